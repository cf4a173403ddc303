package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.*")

func TestLoadNestedStages(t *testing.T) {
	a, err := Load("testdata/assembly")
	if err != nil {
		t.Fatal(err)
	}
	var envs []string
	for _, e := range a.Environments {
		envs = append(envs, e.Name)
	}
	if want := []string{"dev", "prod"}; !reflect.DeepEqual(envs, want) {
		t.Fatalf("environments %v, want %v (manifest order)", envs, want)
	}
	prod := a.Environment("prod")
	var stacks []string
	for _, s := range prod.Stacks {
		stacks = append(stacks, s.Name)
	}
	if want := []string{"prod/Network", "prod/Platform", "prod/Services", "prod/AutoHeal"}; !reflect.DeepEqual(stacks, want) {
		t.Fatalf("prod stacks %v, want %v", stacks, want)
	}
	s := prod.Stacks[2]
	if s.StackName != "prod-Services" || s.Region != "ap-northeast-1" || s.Account != "111111111111" ||
		s.TemplateFile != filepath.Join("assembly-prod", "prodServices1234.template.json") {
		t.Errorf("stack %+v", s)
	}
	if _, ok := s.Template.Resources["WebService"]; !ok {
		t.Error("template not parsed")
	}
	if a.Environment("stg") != nil {
		t.Error("Environment(stg) should be nil")
	}
}

func TestLoadRootStacksAndErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("manifest.json", `{"artifacts": {"Solo": {"type": "aws:cloudformation:stack", "displayName": "Solo", "properties": {"templateFile": "Solo.template.json"}}}}`)
	write("Solo.template.json", `{"Resources": {}}`)
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Environments) != 1 || a.Environments[0].Name != "app" || a.Environments[0].Stacks[0].StackName != "Solo" {
		t.Errorf("root stacks: %+v", a.Environments)
	}

	write("manifest.json", `{"artifacts": {"Gone": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Gone.template.json"}}}}`)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), `stack "Gone"`) {
		t.Errorf("missing template: err = %v", err)
	}
	write("manifest.json", `{"artifacts": {"assembly-x": {"type": "cdk:cloud-assembly", "properties": {}}}}`)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "directoryName") {
		t.Errorf("stage without directory: err = %v", err)
	}
	if _, err := Load(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "read cloud assembly") {
		t.Errorf("missing assembly: err = %v", err)
	}
}

// TestGolden pins the whole report of the hand-written assembly, text and JSON. Rewrite with
// go test ./report -update after a deliberate change, and read the diff.
func TestGolden(t *testing.T) {
	a, err := Load("testdata/assembly")
	if err != nil {
		t.Fatal(err)
	}
	r := Build(a, func(env string) (bool, Thresholds) { return env == "prod", DefaultThresholds() })
	var text, js bytes.Buffer
	if err := WriteText(&text, r, true); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	for file, got := range map[string][]byte{"testdata/golden.txt": text.Bytes(), "testdata/golden.json": js.Bytes()} {
		if *update {
			if err := os.WriteFile(file, got, 0o600); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs (go test ./report -update to accept):\n%s", file, firstDiff(string(want), string(got)))
		}
	}
	if HasErrors(r.Findings()) {
		t.Errorf("prod must pass: %v", r.Findings())
	}
	if n := len(r.Environments[0].Findings); n != 2 {
		t.Errorf("dev findings = %d, want 2 warnings", n)
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n- " + wl + "\n+ " + gl
		}
	}
	return ""
}

// TestJSONFieldNames pins the JSON names the lead's tooling and users' scripts read.
func TestJSONFieldNames(t *testing.T) {
	data, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Environments []struct {
			Name       string           `json:"name"`
			Thresholds map[string]any   `json:"thresholds"`
			Workloads  []map[string]any `json:"workloads"`
			Findings   []map[string]any `json:"findings"`
		} `json:"environments"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	for _, e := range r.Environments {
		if _, ok := e.Thresholds["minPeakAfterAzLossPercent"]; !ok {
			t.Errorf("environments[%s].thresholds.minPeakAfterAzLossPercent missing", e.Name)
		}
	}
	web := r.Environments[1].Workloads[0]
	for _, k := range []string{"environment", "name", "kind", "stack", "logicalId", "azLoss", "detection", "drain", "scaling", "deploy", "spot", "evacuation", "notes"} {
		if _, ok := web[k]; !ok {
			t.Errorf("workload field %q missing", k)
		}
	}
	for figure, keys := range map[string][]string{
		"drain": {"deregistrationDelaySeconds", "stopTimeoutSeconds", "plannedStopSeconds", "interruption", "summary", "assumptions"},
		"deploy": {"strategy", "progressive", "firstExposureSeconds", "firstExposurePercent", "fullTrafficSeconds", "bakeSeconds",
			"completeSeconds", "rollbackSeconds", "alarmDetectSeconds", "alarms", "summary", "rollbackSummary", "assumptions"},
		"evacuation": {"loadBalancer", "zonalShift", "autoshift", "outcomeAlarms", "blockedWindows", "blockedDates", "keptTasks", "shiftedZoneTasks", "groups", "summary"},
	} {
		m := web[figure].(map[string]any)
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("%s field %q missing", figure, k)
			}
		}
	}
	in := web["drain"].(map[string]any)["interruption"].(map[string]any)
	for _, k := range []string{"spotProviders", "noticeSeconds", "stopOutlivesDrain", "drainWithinNotice", "safe"} {
		if _, ok := in[k]; !ok {
			t.Errorf("drain.interruption field %q missing", k)
		}
	}
	az := web["azLoss"].(map[string]any)
	for _, k := range []string{"azs", "floor", "perAz", "worstAz", "left", "peak", "kept", "keepsPercent", "floorForPeak", "summary", "assumptions"} {
		if _, ok := az[k]; !ok {
			t.Errorf("azLoss field %q missing", k)
		}
	}
	f := r.Environments[0].Findings[0]
	for _, k := range []string{"severity", "environment", "workload", "rule", "message"} {
		if _, ok := f[k]; !ok {
			t.Errorf("finding field %q missing", k)
		}
	}
}
