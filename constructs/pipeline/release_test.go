package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/pipeline"
	"github.com/okiagari/okiagari/testenv"
)

// TestPipelineRelease: with a release parameter, the Deploy stage's last action records the tag
// there, after it has waited for ECS, and may write nothing else.
func TestPipelineRelease(t *testing.T) {
	stack := testenv.Stack(t)
	f := newFixture(t, stack, 1)
	param := awsssm.NewStringParameter(stack, jsii.String("Release"), &awsssm.StringParameterProps{
		ParameterName: jsii.String("/okiagari/dev/release/app"), StringValue: jsii.String("bootstrap"),
	})
	pl, err := pipeline.NewPipeline(stack, jsii.String("Pipeline"), &pipeline.PipelineProps{
		EnvironmentName: "dev", Repository: f.repo, Services: f.services, Connection: connection(), ReleaseParameter: param,
	})
	if err != nil {
		t.Fatal(err)
	}
	if pl.ReleaseProject == nil {
		t.Fatal("ReleaseProject not set")
	}
	tpl := testenv.Template(stack)
	byName, order := stages(t, tpl)
	if got := strings.Join(order, ","); got != "Source,Build,Deploy" {
		t.Errorf("stages %s, want Source,Build,Deploy: the Release check is part of the Deploy stage, so that its failure rolls the stage back", got)
	}
	if build := actions(byName["Build"]); build[0]["Namespace"] != "Build" {
		t.Errorf("build action namespace %v, want Build", build[0]["Namespace"])
	}
	tpl.HasResourceProperties(jsii.String("AWS::CodeBuild::Project"), map[string]any{
		"Source": assertions.Match_ObjectLike(&map[string]any{
			"BuildSpec": assertions.Match_SerializedJson(assertions.Match_ObjectLike(&map[string]any{
				"env": assertions.Match_ObjectLike(&map[string]any{"exported-variables": []any{"IMAGE_TAG"}}),
			})),
		}),
	})
	// One service whose worst case is 20 minutes: the check may take 25.
	assertReleaseProject(t, tpl, []string{"web"}, 25, true)

	// The release project writes the one parameter and nothing else in SSM.
	var writes []string
	for id := range resources(tpl, "AWS::IAM::Policy") {
		for _, st := range statements(tpl)[id] {
			for _, a := range strs(st["Action"]) {
				if strings.HasPrefix(a, "ssm:Put") {
					writes = append(writes, fmt.Sprint(st["Resource"]))
				}
			}
		}
	}
	paramID := *stack.GetLogicalId(param.Node().DefaultChild().(awscdk.CfnElement))
	if len(writes) != 1 || !strings.Contains(writes[0], ":parameter") || !strings.Contains(writes[0], "Ref:"+paramID) {
		t.Errorf("ssm:PutParameter on %v, want the release parameter only", writes)
	}
	assertLeastPrivilege(t, tpl)
	for _, finding := range testenv.NagFindings(stack) {
		t.Error(finding)
	}
}

// releaseSpec is the part of the Release project's buildspec the tests read.
type releaseSpec struct {
	Env struct {
		Shell string `json:"shell"`
	} `json:"env"`
	Phases map[string]struct {
		Commands []string `json:"commands"`
	} `json:"phases"`
}

// assertReleaseProject checks the project of the Deploy stage's Release action: its timeout in
// minutes, the services it watches (by their containers, in order), the permissions it has to watch
// them, and whether it records the tag. It returns the buildspec's commands.
func assertReleaseProject(t *testing.T, tpl assertions.Template, containers []string, timeout int, record bool) []string {
	t.Helper()
	byName, _ := stages(t, tpl)
	deploy := actions(byName["Deploy"])
	release := deploy[len(deploy)-1]
	ref, _ := release["Configuration"].(map[string]any)["ProjectName"].(map[string]any)["Ref"].(string)
	project, ok := resources(tpl, "AWS::CodeBuild::Project")[ref]
	if !ok {
		t.Fatalf("the Release action's ProjectName %v is not a project of the template", release["Configuration"])
	}
	props := project["Properties"].(map[string]any)
	if props["TimeoutInMinutes"] != float64(timeout) {
		t.Errorf("Release project TimeoutInMinutes %v, want %d: the slowest service's worst case and 5 minutes", props["TimeoutInMinutes"], timeout)
	}
	env := props["Environment"].(map[string]any)
	if env["Image"] != "aws/codebuild/standard:7.0" || env["ComputeType"] != "BUILD_GENERAL1_SMALL" || env["PrivilegedMode"] == true {
		t.Errorf("Release project environment %v, want a small, unprivileged standard:7.0", env)
	}
	vars := map[string]any{}
	for _, v := range env["EnvironmentVariables"].([]any) {
		vars[v.(map[string]any)["Name"].(string)] = v.(map[string]any)["Value"]
	}
	if vars["POLL_SECONDS"] != "30" || vars["REPOSITORY_URI"] == nil {
		t.Errorf("Release project variables %v, want POLL_SECONDS 30 and REPOSITORY_URI", vars)
	}
	if _, ok := vars["RELEASE_PARAMETER"]; ok != record {
		t.Errorf("Release project variables %v: RELEASE_PARAMETER set %v, want %v", vars, ok, record)
	}
	// SERVICES is "cluster/service/container ...": each service's cluster, its name, its container.
	parts := vars["SERVICES"].(map[string]any)["Fn::Join"].([]any)[1].([]any)
	if len(parts) != 4*len(containers) {
		t.Fatalf("SERVICES %v, want 4 parts per service", parts)
	}
	var arns []string
	for i, c := range containers {
		entry := parts[4*i : 4*i+4]
		svc, _ := field(entry[2], "Fn::GetAtt").([]any)
		cluster, _ := field(entry[0], "Ref").(string)
		sep := map[bool]string{true: " ", false: ""}[i < len(containers)-1]
		if len(svc) != 2 || svc[1] != "Name" || resources(tpl, "AWS::ECS::Service")[fmt.Sprint(svc[0])] == nil ||
			resources(tpl, "AWS::ECS::Cluster")[cluster] == nil || entry[1] != "/" || entry[3] != "/"+c+sep {
			t.Errorf("SERVICES entry %d %v, want an ECS cluster, /, a service's Name, /%s%s", i, entry, c, sep)
			continue
		}
		arns = append(arns, fmt.Sprint(map[string]any{"Ref": svc[0]}))
	}
	role := props["ServiceRole"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
	var describe, taskDefinitions bool
	for id, p := range resources(tpl, "AWS::IAM::Policy") {
		if fmt.Sprint(p["Properties"].(map[string]any)["Roles"]) != fmt.Sprint([]any{map[string]any{"Ref": role}}) {
			continue
		}
		for _, st := range statements(tpl)[id] {
			switch acts := strs(st["Action"]); {
			case slices.Contains(acts, "ecs:DescribeServices"):
				describe = true
				if res := strs(st["Resource"]); len(acts) != 1 || !slices.Equal(res, arns) {
					t.Errorf("%v on %v, want ecs:DescribeServices on the services %v", acts, res, arns)
				}
			case slices.Contains(acts, "ecs:DescribeTaskDefinition"):
				taskDefinitions = true
				if len(acts) != 1 || st["Resource"] != "*" {
					t.Errorf("%v on %v, want ecs:DescribeTaskDefinition alone on *", acts, st["Resource"])
				}
			}
		}
	}
	if !describe || !taskDefinitions {
		t.Errorf("Release project role %s: ecs:DescribeServices %v, ecs:DescribeTaskDefinition %v; want both", role, describe, taskDefinitions)
	}

	var spec releaseSpec
	if err := json.Unmarshal([]byte(props["Source"].(map[string]any)["BuildSpec"].(string)), &spec); err != nil {
		t.Fatalf("Release buildspec is not plain JSON: %v", err)
	}
	commands := spec.Phases["build"].Commands
	if spec.Env.Shell != "bash" || len(commands) < 2 || commands[0] != `test -n "$IMAGE_TAG"` {
		t.Errorf("Release buildspec shell %q, commands %q; want bash, first a check of IMAGE_TAG", spec.Env.Shell, commands)
	}
	put := `aws ssm put-parameter --name "$RELEASE_PARAMETER" --value "$IMAGE_TAG" --type String --overwrite`
	if record != (commands[len(commands)-1] == put) || strings.Count(strings.Join(commands, "\n"), "put-parameter") != map[bool]int{true: 1}[record] {
		t.Errorf("Release buildspec commands %q: want the tag recorded last: %v", commands, record)
	}
	return commands
}

// TestReleaseCheck runs the Release project's commands, as CodeBuild would, against a stand-in
// for the AWS CLI that plays back describe-services and describe-task-definition responses, and
// checks when the tag is recorded.
func TestReleaseCheck(t *testing.T) {
	if _, err := exec.LookPath("jq"); err != nil {
		t.Fatal("the Release check runs jq, which the CodeBuild standard image has; install jq to run this test")
	}
	stack := testenv.Stack(t)
	f := newFixture(t, stack, 2)
	param := awsssm.NewStringParameter(stack, jsii.String("Release"), &awsssm.StringParameterProps{
		ParameterName: jsii.String("/okiagari/dev/release/app"), StringValue: jsii.String("bootstrap"),
	})
	if _, err := pipeline.NewPipeline(stack, jsii.String("Pipeline"), &pipeline.PipelineProps{
		EnvironmentName: "dev", Repository: f.repo, Services: f.services, Connection: connection(), ReleaseParameter: param,
	}); err != nil {
		t.Fatal(err)
	}
	commands := assertReleaseProject(t, testenv.Template(stack), []string{"web", "worker"}, 30, true)

	const repo = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app"
	// Task definitions: web:8 and worker:5 run the release (web next to a sidecar), web:7 the
	// release before.
	taskDefinitions := map[string][]container{
		"web:7":    {{"web", repo + ":0123456789ab"}, {"xray", "amazon/aws-xray-daemon:3.3.12"}},
		"web:8":    {{"web", repo + ":fedcba987654"}, {"xray", "amazon/aws-xray-daemon:3.3.12"}},
		"worker:5": {{"worker", repo + ":fedcba987654"}},
	}
	completed := func(td string) deployment {
		return deployment{"PRIMARY", "COMPLETED", td, "ECS deployment ecs-svc/2 completed."}
	}
	// The release before, still running while the new one rolls out.
	old := deployment{"ACTIVE", "COMPLETED", "web:7", "ECS deployment ecs-svc/1 completed."}
	workerDone := [][]deployment{{completed("worker:5")}}
	for _, tc := range []struct {
		name     string
		web      [][]deployment // describe-services answers for web, one per call; the last repeats
		recorded bool
		polls    int    // describe-services calls for web
		output   string // a line the check prints
	}{
		{"complete at once", [][]deployment{{completed("web:8")}}, true, 1,
			"web: ECS reports the deployment complete, bake included"},
		{"in progress, then baking, then complete", [][]deployment{
			{{"PRIMARY", "IN_PROGRESS", "web:8", "ECS deployment ecs-svc/2 in progress."}, old},
			// Traffic shifted, old tasks still there during the bake.
			{{"PRIMARY", "IN_PROGRESS", "web:8", "ECS deployment ecs-svc/2 in progress."}, old},
			// Bake over, old tasks not yet gone.
			{completed("web:8"), old},
			{completed("web:8")},
		}, true, 4, "waiting for ECS: cluster/web/web"},
		{"failed", [][]deployment{
			{{"PRIMARY", "IN_PROGRESS", "web:8", ""}, old},
			{{"PRIMARY", "FAILED", "web:8", "ECS deployment circuit breaker: tasks failed to start."}, old},
		}, false, 2, "web: the deployment FAILED: ECS deployment circuit breaker: tasks failed to start."},
		{"rolled back by ECS", [][]deployment{
			{{"PRIMARY", "IN_PROGRESS", "web:8", ""}, old},
			// A deployment alarm fired during the bake: ECS returns to web:7.
			{{"PRIMARY", "IN_PROGRESS", "web:7", "ECS deployment detected triggered alarm(s): rolling back."}, {"ACTIVE", "FAILED", "web:8", ""}},
		}, false, 2, "web runs " + repo + ":0123456789ab, not " + repo + ":fedcba987654: ECS rolled the deployment back, or another deployment replaced it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeAWS(t, taskDefinitions, map[string][][]deployment{"web": tc.web, "worker": workerDone})
			// Each case ends by itself in well under a second; the timeout stops a broken check.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			out, err := fake.run(ctx, commands)
			if ctx.Err() != nil {
				t.Fatalf("the check did not end:\n%s", out)
			}
			if (err == nil) != tc.recorded {
				t.Errorf("check ended with %v, want success %v\n%s", err, tc.recorded, out)
			}
			if !strings.Contains(out, tc.output+"\n") {
				t.Errorf("output lacks %q:\n%s", tc.output, out)
			}
			calls := fake.calls(t)
			if n := strings.Count(calls, "ecs describe-services --cluster cluster --services web --output json\n"); n != tc.polls {
				t.Errorf("%d describe-services calls for web, want %d:\n%s", n, tc.polls, calls)
			}
			put := "ssm put-parameter --name /okiagari/dev/release/app --value fedcba987654 --type String --overwrite\n"
			if got := strings.Contains(calls, put); got != tc.recorded {
				t.Errorf("tag recorded %v, want %v:\n%s", got, tc.recorded, calls)
			}
		})
	}

	// A deployment that never completes is ended only by the project's timeout, and records
	// nothing.
	t.Run("never completes", func(t *testing.T) {
		fake := newFakeAWS(t, taskDefinitions, map[string][][]deployment{
			"web":    {{{"PRIMARY", "IN_PROGRESS", "web:8", ""}, old}},
			"worker": workerDone,
		})
		ctx, cancel := context.WithTimeout(context.Background(), time.Second) // several 0.1 s polls
		defer cancel()
		out, err := fake.run(ctx, commands)
		if ctx.Err() == nil {
			t.Errorf("check ended (%v) before the timeout:\n%s", err, out)
		}
		if calls := fake.calls(t); strings.Contains(calls, "put-parameter") || strings.Count(calls, "--services web") < 2 {
			t.Errorf("want several polls and no tag recorded, got calls:\n%s", calls)
		}
	})
}

// field returns v[key] of a JSON object, nil for anything else.
func field(v any, key string) any {
	m, _ := v.(map[string]any)
	return m[key]
}

type container struct{ name, image string }

// deployment is one entry of describe-services' deployments.
type deployment struct{ status, rollout, taskDefinition, reason string }

// fakeAWS is a directory with a stand-in aws and the answers it plays back.
type fakeAWS struct{ dir string }

// calls returns the stand-in's calls so far, one line each.
func (f fakeAWS) calls(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.dir, "calls"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}

// run runs buildspec commands as CodeBuild does (one shell, stopping at the first that fails)
// with the stand-in first on PATH and the Release project's variables set.
func (f fakeAWS) run(ctx context.Context, commands []string) (string, error) {
	cmd := exec.CommandContext(ctx, "bash", "-ec", strings.Join(commands, "\n"))
	cmd.WaitDelay = 200 * time.Millisecond // after a timeout, for the killed shell's sleep to let go of the output
	cmd.Env = append(os.Environ(),
		"PATH="+filepath.Join(f.dir, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
		"FAKE_AWS="+f.dir,
		"REPOSITORY_URI=123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app",
		"IMAGE_TAG=fedcba987654",
		"SERVICES=cluster/web/web cluster/worker/worker",
		"RELEASE_PARAMETER=/okiagari/dev/release/app",
		"POLL_SECONDS=0.1",
	)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// fakeCLI is the stand-in aws: it logs each call and answers from the files in $FAKE_AWS.
const fakeCLI = `#!/usr/bin/env bash
set -eu
echo "$*" >> "$FAKE_AWS/calls"
value() { local want=$1; shift; while [ $# -gt 1 ]; do if [ "$1" = "$want" ]; then echo "$2"; return; fi; shift; done; }
case "$1 $2" in
"ecs describe-services")
  svc="$(value --services "$@")"
  n=$(( $(cat "$FAKE_AWS/$svc.n" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$FAKE_AWS/$svc.n"
  if [ -f "$FAKE_AWS/$svc.$n.json" ]; then cat "$FAKE_AWS/$svc.$n.json"; else cat "$FAKE_AWS/$svc.last.json"; fi ;;
"ecs describe-task-definition")
  td="$(value --task-definition "$@")"; cat "$FAKE_AWS/${td##*/}.json" ;;
"ssm put-parameter") echo '{"Version": 2, "Tier": "Standard"}' ;;
*) echo "fake aws: unexpected call: $*" >&2; exit 2 ;;
esac
`

// newFakeAWS writes the stand-in aws and the responses it plays back: answers maps a service
// name (in cluster "cluster") to its describe-services answers, one per call.
func newFakeAWS(t *testing.T, taskDefinitions map[string][]container, answers map[string][][]deployment) fakeAWS {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, v any) {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const arn = "arn:aws:ecs:ap-northeast-1:123456789012:"
	for td, cs := range taskDefinitions {
		var defs []any
		for _, c := range cs {
			defs = append(defs, map[string]any{"name": c.name, "image": c.image, "essential": true})
		}
		write(td+".json", map[string]any{"taskDefinition": map[string]any{
			"taskDefinitionArn": arn + "task-definition/" + td, "containerDefinitions": defs, "status": "ACTIVE",
		}})
	}
	for svc, list := range answers {
		for i, ds := range list {
			var deployments []any
			for j, d := range ds {
				deployments = append(deployments, map[string]any{
					"id": fmt.Sprintf("ecs-svc/%d", len(ds)-j), "status": d.status, "taskDefinition": arn + "task-definition/" + d.taskDefinition,
					"desiredCount": 3, "runningCount": 3, "pendingCount": 0, "rolloutState": d.rollout, "rolloutStateReason": d.reason,
				})
			}
			answer := map[string]any{"failures": []any{}, "services": []any{map[string]any{
				"serviceArn": arn + "service/cluster/" + svc, "serviceName": svc, "status": "ACTIVE", "deployments": deployments,
			}}}
			write(fmt.Sprintf("%s.%d.json", svc, i+1), answer)
			if i == len(list)-1 {
				write(svc+".last.json", answer)
			}
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin", "aws"), []byte(fakeCLI), 0o755); err != nil {
		t.Fatal(err)
	}
	return fakeAWS{dir}
}
