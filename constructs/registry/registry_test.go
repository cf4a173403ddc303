package registry_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/registry"
	"github.com/okiagari/okiagari/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func ptr(n int) *int { return &n }

func TestRegistryDefaults(t *testing.T) {
	stack := testenv.Stack(t)
	r, err := registry.NewRegistry(stack, jsii.String("Registry"), &registry.RegistryProps{
		RepositoryNames: []string{"web", "team/worker-jobs"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Repositories) != 2 || r.Repositories["web"] == nil || r.Repositories["team/worker-jobs"] == nil {
		t.Fatalf("Repositories = %v, want web and team/worker-jobs", r.Repositories)
	}
	tpl := testenv.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::ECR::Repository"), jsii.Number(2))
	for _, name := range []string{"web", "team/worker-jobs"} {
		tpl.HasResource(jsii.String("AWS::ECR::Repository"), map[string]any{
			"Properties": map[string]any{
				"RepositoryName":             name,
				"ImageScanningConfiguration": map[string]any{"ScanOnPush": true},
				"ImageTagMutability":         "IMMUTABLE",
				"EncryptionConfiguration":    map[string]any{"EncryptionType": "AES256"},
				"LifecyclePolicy": map[string]any{
					"LifecyclePolicyText": `{"rules":[` +
						`{"rulePriority":1,"description":"Expire untagged images after 7 days","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countNumber":7,"countUnit":"days"},"action":{"type":"expire"}},` +
						`{"rulePriority":2,"description":"Keep the last 30 tagged images","selection":{"tagStatus":"tagged","tagPatternList":["*"],"countType":"imageCountMoreThan","countNumber":30},"action":{"type":"expire"}}]}`,
				},
			},
			"DeletionPolicy":      "Retain",
			"UpdateReplacePolicy": "Retain",
		})
	}
}

// TestRegistryLogicalIDs pins the repositories' logical IDs: a changed ID makes CloudFormation
// create a new repository and orphan the old one with every image in it.
func TestRegistryLogicalIDs(t *testing.T) {
	stack := testenv.Stack(t)
	if _, err := registry.NewRegistry(stack, jsii.String("Registry"), &registry.RegistryProps{
		RepositoryNames: []string{"web", "team/worker-jobs"},
	}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"web":              "RegistryWeb6CFC0770",
		"team/worker-jobs": "RegistryTeamWorkerJobs76BF0717",
	}
	got := map[string]string{}
	for logicalID, res := range *testenv.Template(stack).FindResources(jsii.String("AWS::ECR::Repository"), nil) {
		got[(*res)["Properties"].(map[string]any)["RepositoryName"].(string)] = logicalID
	}
	for name, id := range want {
		if got[name] != id {
			t.Errorf("repository %q has logical ID %q, want %q", name, got[name], id)
		}
	}
}

func TestRegistryOptions(t *testing.T) {
	stack := testenv.Stack(t)
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	if _, err := registry.NewRegistry(stack, jsii.String("Registry"), &registry.RegistryProps{
		RepositoryNames:    []string{"web"},
		KeepTaggedImages:   ptr(5),
		UntaggedExpiryDays: ptr(1),
		EncryptionKey:      key,
	}); err != nil {
		t.Fatal(err)
	}
	tpl := testenv.Template(stack)
	tpl.HasResourceProperties(jsii.String("AWS::ECR::Repository"), map[string]any{
		"EncryptionConfiguration": map[string]any{
			"EncryptionType": "KMS",
			"KmsKey":         map[string]any{"Fn::GetAtt": []any{"Key961B73FD", "Arn"}},
		},
		"LifecyclePolicy": map[string]any{
			"LifecyclePolicyText": assertions.Match_SerializedJson(map[string]any{"rules": []any{
				assertions.Match_ObjectLike(&map[string]any{"selection": assertions.Match_ObjectLike(&map[string]any{"tagStatus": "untagged", "countNumber": 1})}),
				assertions.Match_ObjectLike(&map[string]any{"selection": assertions.Match_ObjectLike(&map[string]any{"tagStatus": "tagged", "countNumber": 5})}),
			}}),
		},
	})
}

func TestRegistryReleaseParameters(t *testing.T) {
	stack := testenv.Stack(t)
	r, err := registry.NewRegistry(stack, jsii.String("Registry"), &registry.RegistryProps{
		RepositoryNames:        []string{"web", "team/jobs"},
		ReleaseParameterPrefix: jsii.String("/okiagari/prod/release"),
	})
	if err != nil {
		t.Fatal(err)
	}
	awscdk.Tags_Of(stack).Add(jsii.String("team"), jsii.String("platform"), nil) // must not reach them
	if len(r.ReleaseTags) != 2 {
		t.Fatalf("%d release parameters, want 2", len(r.ReleaseTags))
	}
	tpl := testenv.Template(stack)
	tpl.ResourceCountIs(jsii.String("AWS::SSM::Parameter"), jsii.Number(2))
	for _, name := range []string{"web", "team/jobs"} {
		tpl.HasResourceProperties(jsii.String("AWS::SSM::Parameter"), map[string]any{
			"Name": "/okiagari/prod/release/" + name, "Type": "String", "Value": "bootstrap",
			// Nothing that could change: an update would write Value (the initial tag) again.
			"Description": assertions.Match_Absent(), "Tags": assertions.Match_Absent(),
		})
	}
	// Without a prefix there are none.
	other := testenv.Stack(t)
	r, err = registry.NewRegistry(other, jsii.String("Registry"), &registry.RegistryProps{RepositoryNames: []string{"web"}})
	if err != nil || len(r.ReleaseTags) != 0 {
		t.Fatalf("release parameters without a prefix: %v, %v", r.ReleaseTags, err)
	}
	testenv.Template(other).ResourceCountIs(jsii.String("AWS::SSM::Parameter"), jsii.Number(0))
}

func TestRegistryInvalid(t *testing.T) {
	long := "a"
	for len(long) < 257 {
		long += "a"
	}
	cases := []struct {
		name  string
		props *registry.RegistryProps
		want  string
	}{
		{"nil props", nil,
			`registry "Test/Registry": RepositoryNames must name at least one repository`},
		{"too short", &registry.RegistryProps{RepositoryNames: []string{"a"}},
			`registry "Test/Registry": RepositoryNames: "a" must be 2 to 256 characters long, got 1`},
		{"too long", &registry.RegistryProps{RepositoryNames: []string{long}},
			`registry "Test/Registry": RepositoryNames: "` + long + `" must be 2 to 256 characters long, got 257`},
		{"uppercase", &registry.RegistryProps{RepositoryNames: []string{"Web"}},
			`registry "Test/Registry": RepositoryNames: "Web" must be lowercase letters and digits with single ".", "_" or "-" between them and "/" between path components`},
		{"double separator", &registry.RegistryProps{RepositoryNames: []string{"web--api"}},
			`registry "Test/Registry": RepositoryNames: "web--api" must be lowercase letters and digits with single ".", "_" or "-" between them and "/" between path components`},
		{"trailing slash", &registry.RegistryProps{RepositoryNames: []string{"team/"}},
			`registry "Test/Registry": RepositoryNames: "team/" must be lowercase letters and digits with single ".", "_" or "-" between them and "/" between path components`},
		{"duplicate", &registry.RegistryProps{RepositoryNames: []string{"web", "api", "web"}},
			`registry "Test/Registry": RepositoryNames names "web" twice; each repository once`},
		{"same construct id", &registry.RegistryProps{RepositoryNames: []string{"team/web", "team-web"}},
			`registry "Test/Registry": RepositoryNames "team/web" and "team-web" both map to construct ID "TeamWeb"; rename one`},
		{"keep zero", &registry.RegistryProps{RepositoryNames: []string{"web"}, KeepTaggedImages: ptr(0)},
			`registry "Test/Registry": KeepTaggedImages must be >= 1, got 0`},
		{"release prefix not a path", &registry.RegistryProps{RepositoryNames: []string{"web"}, ReleaseParameterPrefix: jsii.String("okiagari/release/")},
			`registry "Test/Registry": ReleaseParameterPrefix "okiagari/release/" must be an SSM parameter path: "/" then letters, digits, "_", ".", "-" and "/", not ending in "/"`},
		{"initial tag not a tag", &registry.RegistryProps{RepositoryNames: []string{"web"}, InitialReleaseTag: jsii.String("-v1:latest")},
			`registry "Test/Registry": InitialReleaseTag "-v1:latest" is not a Docker tag: up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"`},
		{"all at once", &registry.RegistryProps{RepositoryNames: []string{"web"}, KeepTaggedImages: ptr(-1), UntaggedExpiryDays: ptr(0)},
			`registry "Test/Registry": KeepTaggedImages must be >= 1, got -1` + "\n" +
				`registry "Test/Registry": UntaggedExpiryDays must be >= 1, got 0`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := testenv.Stack(t)
			r, err := registry.NewRegistry(stack, jsii.String("Registry"), tc.props)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got error\n  %v\nwant\n  %s", err, tc.want)
			}
			if r != nil || len(*stack.Node().Children()) != 0 {
				t.Fatal("an invalid registry must create nothing")
			}
		})
	}
}

func TestRegistryNag(t *testing.T) {
	stack := testenv.Stack(t)
	if _, err := registry.NewRegistry(stack, jsii.String("Registry"), &registry.RegistryProps{RepositoryNames: []string{"web"}}); err != nil {
		t.Fatal(err)
	}
	for _, f := range testenv.NagFindings(stack) {
		t.Error(f)
	}
}
