package pipeline_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/pipeline"
	"github.com/okiagari/okiagari/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func minutes(n int) *time.Duration {
	d := time.Duration(n) * time.Minute
	return &d
}

// resources returns the template's resources of the given type, by logical ID.
func resources(tpl assertions.Template, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range *tpl.FindResources(jsii.String(typ), nil) {
		out[id] = *r
	}
	return out
}

// pipelineProps returns the CodePipeline's properties.
func pipelineProps(t *testing.T, tpl assertions.Template) map[string]any {
	t.Helper()
	ps := resources(tpl, "AWS::CodePipeline::Pipeline")
	if len(ps) != 1 {
		t.Fatalf("%d pipelines, want 1", len(ps))
	}
	for _, p := range ps {
		return p["Properties"].(map[string]any)
	}
	return nil
}

// stages returns the pipeline's stages by name, and their names in order.
func stages(t *testing.T, tpl assertions.Template) (map[string]map[string]any, []string) {
	t.Helper()
	byName := map[string]map[string]any{}
	var names []string
	for _, s := range pipelineProps(t, tpl)["Stages"].([]any) {
		st := s.(map[string]any)
		byName[st["Name"].(string)] = st
		names = append(names, st["Name"].(string))
	}
	return byName, names
}

func actions(stage map[string]any) []map[string]any {
	var out []map[string]any
	for _, a := range stage["Actions"].([]any) {
		out = append(out, a.(map[string]any))
	}
	return out
}

func TestPipelineDefaults(t *testing.T) {
	stack := testenv.Stack(t)
	f := newFixture(t, stack, 2)
	p, err := pipeline.NewPipeline(stack, jsii.String("Pipeline"), &pipeline.PipelineProps{
		EnvironmentName: "dev", Repository: f.repo, Services: f.services, Connection: connection(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.Pipeline == nil || p.Project == nil || p.ArtifactBucket == nil || p.ArtifactKey == nil || p.DeployRole == nil || p.LogGroup == nil {
		t.Fatal("exported resources not set")
	}
	tpl := testenv.Template(stack)

	props := pipelineProps(t, tpl)
	if props["PipelineType"] != "V2" || props["ExecutionMode"] != "QUEUED" {
		t.Errorf("PipelineType %v, ExecutionMode %v; want V2, QUEUED", props["PipelineType"], props["ExecutionMode"])
	}
	byName, names := stages(t, tpl)
	if want := []string{"Source", "Build", "Deploy"}; !slices.Equal(names, want) {
		t.Errorf("stages %v, want %v (no approval unless asked)", names, want)
	}

	src := actions(byName["Source"])[0]
	if src["ActionTypeId"].(map[string]any)["Provider"] != "CodeStarSourceConnection" {
		t.Errorf("source action %v", src["ActionTypeId"])
	}
	if cfg := src["Configuration"].(map[string]any); cfg["FullRepositoryId"] != "okiagari/app" || cfg["BranchName"] != "main" ||
		cfg["ConnectionArn"] != connection().ConnectionArn {
		t.Errorf("source configuration %v", cfg)
	}

	build := actions(byName["Build"])
	if len(build) != 1 || build[0]["ActionTypeId"].(map[string]any)["Provider"] != "CodeBuild" {
		t.Fatalf("build stage %v, want one CodeBuild action", build)
	}
	// The build gets the commit id from the source action's variables.
	env := build[0]["Configuration"].(map[string]any)["EnvironmentVariables"].(string)
	if !strings.Contains(env, `"name":"SOURCE_VERSION"`) || !strings.Contains(env, ".CommitId}") {
		t.Errorf("build action environment %s, want SOURCE_VERSION from the source's CommitId", env)
	}

	deploys := actions(byName["Deploy"])
	if len(deploys) != 3 {
		t.Fatalf("%d actions in the Deploy stage, want one per service (2) and the Release check", len(deploys))
	}
	deployRole := map[string]any{"Fn::GetAtt": []any{"PipelineDeployRole3451C4A0", "Arn"}}
	for i, name := range []string{"Web", "Worker"} {
		a := deploys[i]
		cfg := a["Configuration"].(map[string]any)
		if a["Name"] != name || a["ActionTypeId"].(map[string]any)["Provider"] != "ECS" || a["RunOrder"] != float64(i+1) {
			t.Errorf("deploy action %d: %v %v run order %v", i, a["Name"], a["ActionTypeId"], a["RunOrder"])
		}
		// The default timeout is the action's maximum, 60 minutes.
		if cfg["FileName"] != "imagedefinitions-"+name+".json" || cfg["DeploymentTimeout"] != float64(60) {
			t.Errorf("deploy action %s configuration %v", name, cfg)
		}
		if fmt.Sprint(a["RoleArn"]) != fmt.Sprint(deployRole) {
			t.Errorf("deploy action %s runs as %v, want the construct's deploy role", name, a["RoleArn"])
		}
	}
	// After the last deploy action, the Release check: a CodeBuild test action given the tag.
	release := deploys[2]
	if release["Name"] != "Release" || release["RunOrder"] != float64(3) ||
		fmt.Sprint(release["ActionTypeId"]) != fmt.Sprint(map[string]any{"Category": "Test", "Owner": "AWS", "Provider": "CodeBuild", "Version": "1"}) {
		t.Errorf("last Deploy action %v %v run order %v, want the CodeBuild test action Release after the deploys", release["Name"], release["ActionTypeId"], release["RunOrder"])
	}
	if env := release["Configuration"].(map[string]any)["EnvironmentVariables"]; !strings.Contains(fmt.Sprint(env), `"name":"IMAGE_TAG","type":"PLAINTEXT","value":"#{Build.IMAGE_TAG}"`) {
		t.Errorf("Release action environment %v, want IMAGE_TAG = #{Build.IMAGE_TAG}", env)
	}
	// A failure anywhere in the stage rolls the whole stage back; no alarm condition on success.
	if got := fmt.Sprint(byName["Deploy"]["OnFailure"]); got != fmt.Sprint(map[string]any{"Result": "ROLLBACK"}) {
		t.Errorf("Deploy stage OnFailure %s, want {Result: ROLLBACK}", got)
	}
	if c, ok := byName["Deploy"]["OnSuccess"]; ok {
		t.Errorf("Deploy stage has an OnSuccess condition %v; ECS bakes each service itself", c)
	}
	for id, p := range resources(tpl, "AWS::IAM::Policy") {
		if strings.Contains(fmt.Sprint(p), "cloudwatch:") {
			t.Errorf("%s allows CloudWatch actions; the pipeline watches no alarm", id)
		}
	}
	assertReleaseProject(t, tpl, []string{"web", "worker"}, 30, false)

	// CodeBuild: privileged standard image, Docker layer cache, KMS key, logs to the log group.
	tpl.HasResourceProperties(jsii.String("AWS::CodeBuild::Project"), map[string]any{
		"Environment": assertions.Match_ObjectLike(&map[string]any{
			"Image": "aws/codebuild/standard:7.0", "PrivilegedMode": true, "Type": "LINUX_CONTAINER",
		}),
		"Cache":         map[string]any{"Type": "LOCAL", "Modes": []any{"LOCAL_DOCKER_LAYER_CACHE"}},
		"EncryptionKey": map[string]any{"Fn::GetAtt": []any{"PipelineArtifactKeyFFEED257", "Arn"}},
		"LogsConfig": map[string]any{"CloudWatchLogs": map[string]any{
			"GroupName": map[string]any{"Ref": "PipelineBuildLogs0FB13851"}, "Status": "ENABLED",
		}},
	})
	tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 365})

	// Artifacts: a rotating customer-managed key; a versioned, TLS-only, non-public bucket.
	tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
	tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
		"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
			"BucketKeyEnabled": true,
			"ServerSideEncryptionByDefault": map[string]any{
				"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": map[string]any{"Fn::GetAtt": []any{"PipelineArtifactKeyFFEED257", "Arn"}},
			},
		}}},
		"PublicAccessBlockConfiguration": map[string]any{
			"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
		},
		"VersioningConfiguration": map[string]any{"Status": "Enabled"},
	})
	tpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
		"Bucket": map[string]any{"Ref": "PipelineArtifactBucket5F943F51"},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Effect": "Deny", "Action": "s3:*", "Principal": map[string]any{"AWS": "*"},
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		})})},
	})

	assertBuildSpec(t, tpl, map[string]string{"Web": "web", "Worker": "worker"})
	assertLeastPrivilege(t, tpl)
	assertDeployRole(t, tpl)
}

func TestPipelineS3SourceApprovalAndOptions(t *testing.T) {
	stack := testenv.Stack(t)
	f := newFixture(t, stack, 1)
	_, err := pipeline.NewPipeline(stack, jsii.String("Pipeline"), &pipeline.PipelineProps{
		EnvironmentName:   "prod",
		Repository:        f.repo,
		Services:          f.services,
		S3Source:          &pipeline.S3Source{BucketName: "okiagari-releases", ObjectKey: "app/source.zip"},
		ManualApproval:    true,
		DeploymentTimeout: minutes(45),
		LogRetention:      awslogs.RetentionDays_ONE_MONTH,
		BuildContext:      jsii.String("app"),
	})
	if err != nil {
		t.Fatal(err)
	}
	tpl := testenv.Template(stack)
	byName, names := stages(t, tpl)
	if want := []string{"Source", "Build", "Approve", "Deploy"}; !slices.Equal(names, want) {
		t.Fatalf("stages %v, want %v", names, want)
	}
	approve := actions(byName["Approve"])
	if len(approve) != 1 || approve[0]["ActionTypeId"].(map[string]any)["Category"] != "Approval" ||
		approve[0]["ActionTypeId"].(map[string]any)["Provider"] != "Manual" {
		t.Errorf("approve stage %v, want one manual approval", approve)
	}
	src := actions(byName["Source"])[0]
	if src["ActionTypeId"].(map[string]any)["Provider"] != "S3" {
		t.Errorf("source action %v, want S3", src["ActionTypeId"])
	}
	if cfg := src["Configuration"].(map[string]any); cfg["S3Bucket"] != "okiagari-releases" || cfg["S3ObjectKey"] != "app/source.zip" ||
		cfg["PollForSourceChanges"] != false {
		t.Errorf("source configuration %v", cfg)
	}
	// S3 sources tag the image with the object's version id.
	env := actions(byName["Build"])[0]["Configuration"].(map[string]any)["EnvironmentVariables"].(string)
	if !strings.Contains(env, ".VersionId}") {
		t.Errorf("build action environment %s, want SOURCE_VERSION from the object's VersionId", env)
	}
	deploy := actions(byName["Deploy"])
	if len(deploy) != 2 || deploy[0]["Configuration"].(map[string]any)["DeploymentTimeout"] != float64(45) {
		t.Errorf("deploy actions %v, want one with DeploymentTimeout 45 and the Release check", deploy)
	}
	tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 30})
	tpl.HasResourceProperties(jsii.String("AWS::CodeBuild::Project"), map[string]any{
		"Environment": assertions.Match_ObjectLike(&map[string]any{"EnvironmentVariables": assertions.Match_ArrayWith(&[]any{
			map[string]any{"Name": "BUILD_CONTEXT", "Type": "PLAINTEXT", "Value": "app"},
		})}),
	})
	assertLeastPrivilege(t, tpl)
	assertDeployRole(t, tpl)
}

// TestPipelineRetainedResources pins the logical IDs of the resources that hold data: a changed
// ID would replace them.
func TestPipelineRetainedResources(t *testing.T) {
	stack := testenv.Stack(t)
	f := newFixture(t, stack, 1)
	if _, err := pipeline.NewPipeline(stack, jsii.String("Pipeline"), &pipeline.PipelineProps{
		EnvironmentName: "dev", Repository: f.repo, Services: f.services, Connection: connection(),
	}); err != nil {
		t.Fatal(err)
	}
	tpl := testenv.Template(stack)
	for typ, id := range map[string]string{
		"AWS::S3::Bucket":     "PipelineArtifactBucket5F943F51",
		"AWS::KMS::Key":       "PipelineArtifactKeyFFEED257",
		"AWS::Logs::LogGroup": "PipelineBuildLogs0FB13851",
	} {
		r, ok := resources(tpl, typ)[id]
		if !ok {
			t.Errorf("no %s with logical ID %s", typ, id)
			continue
		}
		if r["DeletionPolicy"] != "Retain" || r["UpdateReplacePolicy"] != "Retain" {
			t.Errorf("%s: DeletionPolicy %v, UpdateReplacePolicy %v; want Retain", id, r["DeletionPolicy"], r["UpdateReplacePolicy"])
		}
	}
}

func TestPipelineNag(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props func(f fixture) *pipeline.PipelineProps
	}{
		{"connection", func(f fixture) *pipeline.PipelineProps {
			return &pipeline.PipelineProps{EnvironmentName: "prod", Repository: f.repo, Services: f.services, Connection: connection(), ManualApproval: true}
		}},
		{"s3", func(f fixture) *pipeline.PipelineProps {
			return &pipeline.PipelineProps{EnvironmentName: "dev", Repository: f.repo, Services: f.services,
				S3Source: &pipeline.S3Source{BucketName: "okiagari-releases", ObjectKey: "app.zip"}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stack := testenv.Stack(t)
			f := newFixture(t, stack, 2)
			if _, err := pipeline.NewPipeline(stack, jsii.String("Pipeline"), tc.props(f)); err != nil {
				t.Fatal(err)
			}
			for _, finding := range testenv.NagFindings(stack) {
				t.Error(finding)
			}
		})
	}
}

// assertBuildSpec reads the project's buildspec from the template, checks that it logs in to
// ECR, tags the image with the commit and pushes it, and runs its image-definitions commands to
// check the files they write. containers maps service names to container names.
func assertBuildSpec(t *testing.T, tpl assertions.Template, containers map[string]string) {
	t.Helper()
	var spec struct {
		Phases map[string]struct {
			Commands []string `json:"commands"`
		} `json:"phases"`
		Artifacts struct {
			Files []string `json:"files"`
		} `json:"artifacts"`
	}
	for _, p := range resources(tpl, "AWS::CodeBuild::Project") {
		if p["Properties"].(map[string]any)["Environment"].(map[string]any)["PrivilegedMode"] != true {
			continue // the Release project
		}
		src := p["Properties"].(map[string]any)["Source"].(map[string]any)
		if err := json.Unmarshal([]byte(src["BuildSpec"].(string)), &spec); err != nil {
			t.Fatalf("buildspec is not plain JSON: %v", err)
		}
	}
	pre, build := spec.Phases["pre_build"].Commands, spec.Phases["build"].Commands
	all := strings.Join(append(append([]string{}, pre...), build...), "\n")
	for _, want := range []string{
		`IMAGE_TAG="$(printf '%s' "$SOURCE_VERSION" | tr -c 'A-Za-z0-9_.-' '-' | cut -c 1-12)"`,
		`IMAGE_URI="$REPOSITORY_URI:$IMAGE_TAG"`,
		`aws ecr get-login-password --region "$AWS_DEFAULT_REGION" | docker login --username AWS --password-stdin "${REPOSITORY_URI%%/*}"`,
		`docker build --tag "$IMAGE_URI"`,
		`docker push "$IMAGE_URI"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("buildspec lacks %s\ncommands:\n%s", want, all)
		}
	}
	// Run the commands that write the image definitions, with a made-up image, and read the files.
	dir := t.TempDir()
	var script []string
	for _, c := range build {
		if strings.HasPrefix(c, "printf") {
			script = append(script, c)
		}
	}
	cmd := exec.Command("bash", "-euc", strings.Join(script, "\n"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "IMAGE_URI=123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app:0123456789ab")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("image definitions commands failed: %v\n%s", err, out)
	}
	uri := "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app:0123456789ab"
	read := func(name string) []map[string]string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var defs []map[string]string
		if err := json.Unmarshal(b, &defs); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, b)
		}
		return defs
	}
	combined := read("imagedefinitions.json")
	if len(combined) != len(containers) {
		t.Errorf("imagedefinitions.json has %d entries, want one per service (%d): %v", len(combined), len(containers), combined)
	}
	for service, container := range containers {
		if !slices.ContainsFunc(combined, func(d map[string]string) bool { return d["name"] == container && d["imageUri"] == uri }) {
			t.Errorf("imagedefinitions.json lacks %s: %v", container, combined)
		}
		file := "imagedefinitions-" + service + ".json"
		if got := read(file); len(got) != 1 || got[0]["name"] != container || got[0]["imageUri"] != uri {
			t.Errorf("%s = %v, want only %s at %s", file, got, container, uri)
		}
		if !slices.Contains(spec.Artifacts.Files, file) {
			t.Errorf("artifacts %v lack %s", spec.Artifacts.Files, file)
		}
	}
	if !slices.Contains(spec.Artifacts.Files, "imagedefinitions.json") {
		t.Errorf("artifacts %v lack imagedefinitions.json", spec.Artifacts.Files)
	}
}

// statements returns every policy statement in the template: AWS::IAM::Policy and
// AWS::IAM::ManagedPolicy documents and the inline policies of AWS::IAM::Role, each labelled
// with where it was found.
func statements(tpl assertions.Template) map[string][]map[string]any {
	out := map[string][]map[string]any{}
	add := func(where string, doc any) {
		d, ok := doc.(map[string]any)
		if !ok {
			return
		}
		switch s := d["Statement"].(type) {
		case []any:
			for _, st := range s {
				out[where] = append(out[where], st.(map[string]any))
			}
		case map[string]any:
			out[where] = append(out[where], s)
		}
	}
	for _, typ := range []string{"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"} {
		for id, r := range resources(tpl, typ) {
			add(id, r["Properties"].(map[string]any)["PolicyDocument"])
		}
	}
	for id, r := range resources(tpl, "AWS::IAM::Role") {
		if ps, ok := r["Properties"].(map[string]any)["Policies"].([]any); ok {
			for _, p := range ps {
				add(id+"/"+fmt.Sprint(p.(map[string]any)["PolicyName"]), p.(map[string]any)["PolicyDocument"])
			}
		}
	}
	return out
}

// strs returns a statement's Action or Resource as a list of strings (non-string entries, such
// as Fn::GetAtt, are rendered as Go values and so never equal "*").
func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case nil:
		return nil
	default:
		return []string{fmt.Sprint(v)}
	}
}

// allowedOnAnyResource are the only actions the template may allow on Resource "*": none of
// them supports resource-level permissions.
var allowedOnAnyResource = []string{"ecr:GetAuthorizationToken", "ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"}

// assertLeastPrivilege walks every policy statement in the template: no action "*", no
// iam:PassRole on "*" or without a PassedToService condition, and Resource "*" only for the
// actions that cannot be scoped.
func assertLeastPrivilege(t *testing.T, tpl assertions.Template) {
	t.Helper()
	n := 0
	for where, sts := range statements(tpl) {
		for _, st := range sts {
			n++
			if st["Effect"] != "Allow" {
				continue
			}
			acts, res := strs(st["Action"]), strs(st["Resource"])
			if st["NotAction"] != nil || st["NotResource"] != nil {
				t.Errorf("%s: NotAction/NotResource in %v", where, st)
			}
			for _, a := range acts {
				if a == "*" || strings.HasSuffix(a, ":*") {
					t.Errorf("%s: allows every action (%s): %v", where, a, st)
				}
				if a == "iam:PassRole" || a == "iam:Pass*" {
					if slices.Contains(res, "*") {
						t.Errorf("%s: allows iam:PassRole on *: %v", where, st)
					}
					if !strings.Contains(fmt.Sprint(st["Condition"]), "iam:PassedToService") {
						t.Errorf("%s: iam:PassRole without an iam:PassedToService condition: %v", where, st)
					}
				}
			}
			if slices.Contains(res, "*") {
				for _, a := range acts {
					// ecs:ListTasks names no task: it is scoped by its ecs:cluster condition.
					scoped := a == "ecs:ListTasks" && strings.Contains(fmt.Sprint(st["Condition"]), "ecs:cluster")
					if !slices.Contains(allowedOnAnyResource, a) && !scoped {
						t.Errorf("%s: allows %s on Resource *: %v", where, a, st)
					}
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no policy statements found; the walk is broken")
	}
}

// assertDeployRole checks the deploy role: assumable only by the pipeline role, updating only
// the fixture's services, passing only their roles to ECS tasks.
func assertDeployRole(t *testing.T, tpl assertions.Template) {
	t.Helper()
	tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action": "sts:AssumeRole", "Effect": "Allow",
			"Principal": map[string]any{"AWS": map[string]any{"Fn::GetAtt": []any{"PipelineRole624FA559", "Arn"}}},
		}}, "Version": "2012-10-17"},
	})
	sts := statements(tpl)["PipelineDeployRoleDefaultPolicy31B6E8A1"]
	if len(sts) == 0 {
		t.Fatal("deploy role has no policy")
	}
	for _, st := range sts {
		acts, res := strs(st["Action"]), strs(st["Resource"])
		for _, a := range acts {
			switch a {
			case "ecs:UpdateService", "ecs:DescribeServices":
				for _, r := range res {
					if !strings.Contains(r, "Ref:") || !strings.Contains(r, "Service") {
						t.Errorf("%s on %s, want only the services' ARNs", a, r)
					}
				}
			case "iam:PassRole":
				for _, r := range res {
					if !strings.Contains(r, "TaskRole") && !strings.Contains(r, "ExecutionRole") {
						t.Errorf("iam:PassRole on %s, want only the services' task and execution roles", r)
					}
				}
				if got := fmt.Sprint(st["Condition"]); got != fmt.Sprint(map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ecs-tasks.amazonaws.com"}}) {
					t.Errorf("iam:PassRole condition %s", got)
				}
			}
			if a == "ecs:ListTasks" {
				if got := fmt.Sprint(st["Condition"]); !strings.Contains(got, "ArnEquals") || !strings.Contains(got, "ecs:cluster") || !strings.Contains(got, "Cluster") {
					t.Errorf("ecs:ListTasks condition %s, want ArnEquals ecs:cluster on the services' clusters", got)
				}
				continue
			}
			if slices.Contains(res, "*") && a != "ecs:RegisterTaskDefinition" && a != "ecs:DescribeTaskDefinition" {
				t.Errorf("deploy role allows %s on *", a)
			}
		}
	}
}
