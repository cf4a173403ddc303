package pipeline

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipelineactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/check"
)

// Service is one ECS service the pipeline deploys the image to.
type Service struct {
	// Name names the service inside the pipeline: its deploy action and its image definitions
	// file (imagedefinitions-<Name>.json). 1 to 40 letters, digits and hyphens, starting with a
	// letter; unique in the pipeline, and not "Release" (the Deploy stage's last action).
	// Default: none, required.
	Name string
	// Service is the ECS service to update. Default: none, required.
	Service awsecs.IBaseService
	// ContainerName is the container in the service's task definition that runs the built image.
	// Unique in the pipeline: imagedefinitions.json has one entry per container. Default: none,
	// required.
	ContainerName string
	// TaskRole is the service's task role. The deploy role may pass only this role and
	// ExecutionRole, and only to ECS tasks. Default: none, required.
	TaskRole awsiam.IRole
	// ExecutionRole is the service's task execution role. Default: none, required.
	ExecutionRole awsiam.IRole
	// DeployWorstCase is the longest a successful deployment of the service takes, its bake
	// included: webservice.Service.Timeline.Complete, worker.Worker.DeployWorstCase. The deploy
	// action's DeploymentTimeout and the Release check's timeout must cover it. Default: none,
	// required (> 0, at most 60 minutes).
	DeployWorstCase time.Duration
}

// ConnectionSource is a Git repository reached through an AWS CodeConnections (formerly CodeStar
// Connections) connection: GitHub, GitHub Enterprise Server, Bitbucket or GitLab.
type ConnectionSource struct {
	// ConnectionArn is the connection's ARN. The connection must have been created and then
	// completed (handshake with the provider) in the console once; CloudFormation cannot do that.
	// Default: none, required.
	ConnectionArn string
	// Repository is "owner/name". Default: none, required.
	Repository string
	// Branch is the branch whose pushes start the pipeline. Default: none, required.
	Branch string
}

// S3Source is a zipped source tree uploaded to an S3 object, for accounts without a connection.
// The bucket is referenced by name, not created. CodePipeline requires it to be versioned; the
// image is tagged with the object's version id, and a push is noticed through EventBridge, which
// needs a CloudTrail trail that logs the bucket's data (write) events.
type S3Source struct {
	// BucketName is the name of the existing, versioned bucket. Default: none, required.
	BucketName string
	// ObjectKey is the key of the zip file ("releases/app.zip"). Default: none, required.
	ObjectKey string
}

// PipelineProps configures a Pipeline.
type PipelineProps struct {
	// EnvironmentName is the environment the pipeline releases to ("prod"); it appears in the
	// approval request and as a label on the image. Default: none, required.
	EnvironmentName string
	// Repository is the ECR repository the image is pushed to; the build may push only to it.
	// With immutable tags a commit already built is not built again. Default: none, required.
	Repository awsecr.IRepository
	// Services are the ECS services that run the image, deployed one after another in this order,
	// so a bad image stops at the first service it breaks. Default: none, at least one required.
	Services []Service
	// Connection is the Git source. Exactly one of Connection and S3Source. Default: none.
	Connection *ConnectionSource
	// S3Source is the S3-object source. Exactly one of Connection and S3Source. Default: none.
	S3Source *S3Source
	// ManualApproval adds an Approve stage between Build and Deploy: a person must approve every
	// release (production). Default: false, releases go out as soon as they are built.
	ManualApproval bool
	// DeploymentTimeout is how long each ECS deploy action may take, in whole minutes from 1 to
	// 60 (the action's limits); it must cover every service's DeployWorstCase. Default: 60
	// minutes, the most the action allows, so every service that fits an action fits the
	// default. ECS itself rolls a failing deployment back (circuit breaker, deployment alarms):
	// the timeout only ends a deployment that is stuck (waiting for capacity, say), and a value
	// closer to the slowest worst case ends it sooner.
	DeploymentTimeout *time.Duration
	// LogRetention is how long build logs are kept; the log group is retained when the stack is
	// deleted. Default: one year, so any image in use can be traced to its build.
	LogRetention awslogs.RetentionDays
	// BuildContext is the directory, relative to the repository root, holding the Dockerfile and
	// passed to `docker build` as its context. Default: ".", the repository root.
	BuildContext *string
	// ReleaseParameter is the SSM parameter that records the released tag (see
	// registry.RegistryProps.ReleaseParameterPrefix). When set, the Deploy stage's Release action
	// writes the tag there once ECS reports every service's deployment complete, bake included,
	// with the new image; so services that read their tag from it run the current release after a
	// `cdk deploy`, and never one that ECS or the stage rolled back. Default: none; the Release
	// action still waits for ECS, and records nothing.
	ReleaseParameter awsssm.IStringParameter
}

func defaults() PipelineProps {
	timeout := MaxDeploymentTimeout
	return PipelineProps{
		DeploymentTimeout: &timeout,
		LogRetention:      awslogs.RetentionDays_ONE_YEAR,
		BuildContext:      jsii.String("."),
	}
}

// MaxDeploymentTimeout is the longest an ECS deploy action may take: CodePipeline's quota
// "Length of time before an action times out" allows the ECS deployment action at most one hour.
const MaxDeploymentTimeout = time.Hour

// Pipeline is a release pipeline: source, image build, optional approval, then a Deploy stage
// that deploys each service and waits until ECS reports every deployment complete.
type Pipeline struct {
	constructs.Construct
	// Pipeline is the CodePipeline (V2, QUEUED execution mode).
	Pipeline awscodepipeline.Pipeline
	// Project is the privileged CodeBuild project that builds and pushes the image.
	Project awscodebuild.PipelineProject
	// ReleaseProject runs the Deploy stage's last action: it waits until ECS reports every
	// service's deployment complete with the new image, then records the tag in
	// ReleaseParameter (when set).
	ReleaseProject awscodebuild.PipelineProject
	// ArtifactBucket holds the pipeline's artifacts: versioned, KMS-encrypted with ArtifactKey,
	// TLS-only, not public, retained.
	ArtifactBucket awss3.Bucket
	// ArtifactKey encrypts the artifacts and the build's output; rotated yearly, retained.
	ArtifactKey awskms.Key
	// DeployRole is the role of every ECS deploy action, assumable only by the pipeline's role.
	DeployRole awsiam.Role
	// LogGroup receives the build logs; retained.
	LogGroup awslogs.LogGroup

	bucketFinding string // see bucketObjects
}

// NewPipeline creates the pipeline. It returns an error, and creates nothing, when props are
// invalid.
func NewPipeline(scope constructs.Construct, id *string, props *PipelineProps) (*Pipeline, error) {
	p := defaults()
	if props != nil {
		p.EnvironmentName = props.EnvironmentName
		p.Repository = props.Repository
		p.Services = props.Services
		p.Connection = props.Connection
		p.S3Source = props.S3Source
		p.ManualApproval = props.ManualApproval
		if props.DeploymentTimeout != nil {
			p.DeploymentTimeout = props.DeploymentTimeout
		}
		if props.LogRetention != "" {
			p.LogRetention = props.LogRetention
		}
		if props.BuildContext != nil {
			p.BuildContext = props.BuildContext
		}
		p.ReleaseParameter = props.ReleaseParameter
	}
	if err := validate(scope, id, &p); err != nil {
		return nil, err
	}

	// Children are created in this.Construct: jsii cannot take the Go struct itself as a scope.
	this := &Pipeline{Construct: constructs.NewConstruct(scope, id)}
	c := this.Construct

	this.ArtifactKey = awskms.NewKey(c, jsii.String("ArtifactKey"), &awskms.KeyProps{
		Description:       jsii.String(fmt.Sprintf("Encrypts the %s release pipeline's artifacts", p.EnvironmentName)),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	this.ArtifactBucket = awss3.NewBucket(c, jsii.String("ArtifactBucket"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_KMS,
		EncryptionKey:     this.ArtifactKey,
		BucketKeyEnabled:  jsii.Bool(true),
		EnforceSSL:        jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:         jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		// Current objects stay: a stage rollback re-uses the artifacts of the execution it returns
		// to. Only overwritten versions and abandoned uploads go.
		LifecycleRules: &[]*awss3.LifecycleRule{{
			NoncurrentVersionExpiration:         check.Days(30),
			AbortIncompleteMultipartUploadAfter: check.Days(7),
		}},
	})
	check.Suppress(this.ArtifactBucket, check.Suppression{
		ID: "AwsSolutions-S1",
		Reason: "Only this pipeline's roles read and write the artifact bucket; the builds and " +
			"deployments that touch it are recorded by CodePipeline, CodeBuild and CloudTrail. A server " +
			"access log bucket would itself need the same suppression.",
	})

	this.LogGroup = awslogs.NewLogGroup(c, jsii.String("BuildLogs"), &awslogs.LogGroupProps{
		Retention:     p.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	this.Project = awscodebuild.NewPipelineProject(c, jsii.String("Build"), &awscodebuild.PipelineProjectProps{
		Description: jsii.String(fmt.Sprintf("Builds the %s image, tags it with the commit and pushes it to ECR", p.EnvironmentName)),
		Environment: &awscodebuild.BuildEnvironment{
			BuildImage: awscodebuild.LinuxBuildImage_STANDARD_7_0(),
			// docker build needs the Docker daemon, which needs privileged mode.
			Privileged: jsii.Bool(true),
		},
		EnvironmentVariables: &map[string]*awscodebuild.BuildEnvironmentVariable{
			"REPOSITORY_URI":  {Value: p.Repository.RepositoryUri()},
			"REPOSITORY_NAME": {Value: p.Repository.RepositoryName()},
			"BUILD_CONTEXT":   {Value: p.BuildContext},
			"ENVIRONMENT":     {Value: jsii.String(p.EnvironmentName)},
		},
		BuildSpec:                   awscodebuild.BuildSpec_FromObject(buildSpec(p.Services)),
		Cache:                       awscodebuild.Cache_Local(awscodebuild.LocalCacheMode_DOCKER_LAYER),
		EncryptionKey:               this.ArtifactKey,
		GrantReportGroupPermissions: jsii.Bool(false),
		Logging: &awscodebuild.LoggingOptions{
			CloudWatch: &awscodebuild.CloudWatchLoggingOptions{LogGroup: this.LogGroup},
		},
		Timeout: check.Minutes(60),
	})
	p.Repository.GrantPullPush(this.Project)
	// Lets the build skip a commit whose image is already in the repository (immutable tags
	// refuse a second push of the same tag, e.g. when a failed deploy is retried from scratch).
	p.Repository.Grant(this.Project, jsii.String("ecr:DescribeImages"))
	check.Suppress(this.Project, check.Suppression{
		ID:     "AwsSolutions-CB3",
		Reason: "The project runs `docker build`, which needs the Docker daemon and therefore privileged mode.",
	})

	this.Pipeline = awscodepipeline.NewPipeline(c, jsii.String("Resource"), &awscodepipeline.PipelineProps{
		PipelineType: awscodepipeline.PipelineType_V2,
		// Every release runs to the end in order: none is skipped, none overtakes one that is
		// baking, and stage rollback (unavailable in PARALLEL mode) works.
		ExecutionMode:  awscodepipeline.ExecutionMode_QUEUED,
		ArtifactBucket: this.ArtifactBucket,
		// The source, build and approval actions run as the pipeline's own role instead of one
		// role per action that trusts the whole account.
		UsePipelineRoleForActions: jsii.Bool(true),
		RestartExecutionOnUpdate:  jsii.Bool(false),
	})
	// CDK creates the pipeline's role as an awsiam.Role; AddToPolicy answers a bool, where
	// IRole's AddToPrincipalPolicy answers a struct read back field by field.
	pipelineRole := this.Pipeline.Role().(awsiam.Role)

	source := awscodepipeline.NewArtifact(jsii.String("Source"), nil)
	built := awscodepipeline.NewArtifact(jsii.String("Image"), nil)
	var sourceAction awscodepipeline.IAction
	var sourceVersion *string
	if s := p.Connection; s != nil {
		owner, repo, _ := strings.Cut(s.Repository, "/")
		a := awscodepipelineactions.NewCodeStarConnectionsSourceAction(&awscodepipelineactions.CodeStarConnectionsSourceActionProps{
			ActionName:    jsii.String("Source"),
			ConnectionArn: jsii.String(s.ConnectionArn),
			Owner:         jsii.String(owner),
			Repo:          jsii.String(repo),
			Branch:        jsii.String(s.Branch),
			Output:        source,
		})
		// One variable, not Variables(): that struct is read field by field through jsii.
		sourceAction, sourceVersion = a, a.VariableExpression(jsii.String("CommitId"))
		// CDK grants codestar-connections:UseConnection only; connections made since the rename
		// have codeconnections ARNs, which IAM also checks under the new service prefix.
		pipelineRole.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("codeconnections:UseConnection"),
			Resources: jsii.Strings(s.ConnectionArn),
		}))
	} else {
		s := p.S3Source
		a := awscodepipelineactions.NewS3SourceAction(&awscodepipelineactions.S3SourceActionProps{
			ActionName: jsii.String("Source"),
			Bucket:     awss3.Bucket_FromBucketName(c, jsii.String("SourceBucket"), jsii.String(s.BucketName)),
			BucketKey:  jsii.String(s.ObjectKey),
			Output:     source,
			Trigger:    awscodepipelineactions.S3Trigger_EVENTS,
		})
		sourceAction, sourceVersion = a, a.VariableExpression(jsii.String("VersionId"))
	}
	this.Pipeline.AddStage(&awscodepipeline.StageOptions{
		StageName: jsii.String("Source"),
		Actions:   &[]awscodepipeline.IAction{sourceAction},
	})
	buildAction := awscodepipelineactions.NewCodeBuildAction(&awscodepipelineactions.CodeBuildActionProps{
		ActionName:         jsii.String("Image"),
		Project:            this.Project,
		Input:              source,
		Outputs:            &[]awscodepipeline.Artifact{built},
		VariablesNamespace: jsii.String("Build"),
		EnvironmentVariables: &map[string]*awscodebuild.BuildEnvironmentVariable{
			"SOURCE_VERSION": {Value: sourceVersion},
		},
	})
	this.Pipeline.AddStage(&awscodepipeline.StageOptions{
		StageName: jsii.String("Build"),
		Actions:   &[]awscodepipeline.IAction{buildAction},
	})
	if p.ManualApproval {
		this.Pipeline.AddStage(&awscodepipeline.StageOptions{
			StageName: jsii.String("Approve"),
			Actions: &[]awscodepipeline.IAction{awscodepipelineactions.NewManualApprovalAction(&awscodepipelineactions.ManualApprovalActionProps{
				ActionName:            jsii.String("Approve"),
				AdditionalInformation: jsii.String(fmt.Sprintf("Release %s to %s?", *sourceVersion, p.EnvironmentName)),
			})},
		})
	}

	this.DeployRole = awsiam.NewRole(c, jsii.String("DeployRole"), &awsiam.RoleProps{
		AssumedBy:   pipelineRole,
		Description: jsii.String(fmt.Sprintf("ECS deploy actions of the %s release pipeline", p.EnvironmentName)),
	})
	writeDeployPolicy(this, &p)
	// The actions get a view of the role that ignores policy updates: EcsDeployAction would
	// otherwise add ecs:* actions and iam:PassRole on every resource to it.
	actionRole := this.DeployRole.WithoutPolicyUpdates(nil)
	deployTimeout := check.Minutes(p.DeploymentTimeout.Minutes())
	var deployActions []awscodepipeline.IAction
	var slowest time.Duration
	for i, s := range p.Services {
		deployActions = append(deployActions, awscodepipelineactions.NewEcsDeployAction(&awscodepipelineactions.EcsDeployActionProps{
			ActionName:        jsii.String(s.Name),
			RunOrder:          jsii.Number(float64(i + 1)),
			Service:           s.Service,
			ImageFile:         built.AtPath(jsii.String(imageFile(s.Name))),
			DeploymentTimeout: deployTimeout,
			Role:              actionRole,
		}))
		slowest = max(slowest, s.DeployWorstCase)
	}
	this.ReleaseProject = newReleaseProject(this, &p, slowest)
	deployActions = append(deployActions, awscodepipelineactions.NewCodeBuildAction(&awscodepipelineactions.CodeBuildActionProps{
		ActionName: jsii.String(releaseAction),
		RunOrder:   jsii.Number(float64(len(p.Services) + 1)),
		Type:       awscodepipelineactions.CodeBuildActionType_TEST,
		Project:    this.ReleaseProject,
		Input:      built,
		EnvironmentVariables: &map[string]*awscodebuild.BuildEnvironmentVariable{
			"IMAGE_TAG": {Value: buildAction.Variable(jsii.String("IMAGE_TAG"))},
		},
	}))
	this.Pipeline.AddStage(&awscodepipeline.StageOptions{
		StageName: jsii.String("Deploy"),
		Actions:   &deployActions,
		// A failed deploy action or Release check (a deployment that FAILED, was rolled back by
		// ECS or timed out) re-runs the stage with the artifacts and variables of the last
		// execution that succeeded in it: every service, including those that already took the
		// failed release, goes back to the previous one, instead of the environment running a
		// mix of both.
		OnFailure: &awscodepipeline.FailureConditions{Result: awscodepipeline.Result_ROLLBACK},
	})

	suppressPipelineWildcards(this)
	return this, nil
}

// releaseAction is the name of the Deploy stage's last action, which waits for ECS and records
// the release.
const releaseAction = "Release"

// releasePoll is how often the Release check asks ECS about the deployments.
const releasePoll = 30 * time.Second

// newReleaseProject creates the project of the Release action: it waits until ECS reports each
// service's deployment complete with the new image, then records the tag. Its timeout covers the
// slowest service's worst case (the deploy actions may return before a bake ends), plus a few
// minutes for the build to start and poll.
func newReleaseProject(this *Pipeline, p *PipelineProps, slowest time.Duration) awscodebuild.PipelineProject {
	var targets []string
	for _, s := range p.Services {
		cluster := names(s.Service)
		targets = append(targets, *cluster.name+"/"+*s.Service.ServiceName()+"/"+s.ContainerName)
	}
	env := map[string]*awscodebuild.BuildEnvironmentVariable{
		"REPOSITORY_URI": {Value: p.Repository.RepositoryUri()},
		"SERVICES":       {Value: jsii.String(strings.Join(targets, " "))},
		"POLL_SECONDS":   {Value: jsii.String(fmt.Sprint(releasePoll.Seconds()))},
	}
	if p.ReleaseParameter != nil {
		env["RELEASE_PARAMETER"] = &awscodebuild.BuildEnvironmentVariable{Value: p.ReleaseParameter.ParameterName()}
	}
	description := fmt.Sprintf("Waits until ECS reports the %s release deployed to every service", p.EnvironmentName)
	if p.ReleaseParameter != nil {
		description += ", then records its tag"
	}
	project := awscodebuild.NewPipelineProject(this.Construct, jsii.String("Release"), &awscodebuild.PipelineProjectProps{
		Description: jsii.String(description),
		Environment: &awscodebuild.BuildEnvironment{
			BuildImage:  awscodebuild.LinuxBuildImage_STANDARD_7_0(),
			ComputeType: awscodebuild.ComputeType_SMALL,
		},
		EnvironmentVariables:        &env,
		BuildSpec:                   awscodebuild.BuildSpec_FromObject(releaseSpec(p.ReleaseParameter != nil)),
		EncryptionKey:               this.ArtifactKey,
		GrantReportGroupPermissions: jsii.Bool(false),
		Logging: &awscodebuild.LoggingOptions{
			CloudWatch: &awscodebuild.CloudWatchLoggingOptions{LogGroup: this.LogGroup},
		},
		Timeout: check.Minutes(math.Ceil(slowest.Minutes()) + 5),
	})
	var services []*string
	for _, s := range p.Services {
		services = append(services, s.Service.ServiceArn())
	}
	project.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("ecs:DescribeServices"),
		Resources: &services,
	}))
	// DescribeTaskDefinition supports no resource-level permissions.
	project.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("ecs:DescribeTaskDefinition"),
		Resources: jsii.Strings("*"),
	}))
	if p.ReleaseParameter != nil {
		p.ReleaseParameter.GrantWrite(project)
	}
	return project
}

// releaseCheck is the Release action's wait, a bash script run in a subshell. For each service
// (SERVICES: "cluster/service/container ...") it asks ECS, every POLL_SECONDS, for the PRIMARY
// deployment and the image its task definition gives the container. It fails at once when that
// image is not the release (ECS rolled the deployment back, or another deployment replaced it)
// or the deployment FAILED, and is done with a service once its PRIMARY deployment is COMPLETED
// (ECS: steady state reached and bake time over) and no ACTIVE deployment (old tasks) remains.
// Only the CodeBuild project's timeout ends a wait that never finishes.
const releaseCheck = `(
set -euo pipefail
want="$REPOSITORY_URI:$IMAGE_TAG"
pending="$SERVICES"
while [ -n "$pending" ]; do
  waiting=""
  for s in $pending; do
    IFS=/ read -r cluster service container <<< "$s"
    d="$(aws ecs describe-services --cluster "$cluster" --services "$service" --output json | jq -r '.services[0].deployments
      | (map(select(.status == "PRIMARY"))[0]) as $p
      | [$p.rolloutState // "NONE", $p.taskDefinition, (map(select(.status == "ACTIVE")) | length), $p.rolloutStateReason // ""] | @tsv')"
    IFS=$'\t' read -r state taskdef active reason <<< "$d"
    image="$(aws ecs describe-task-definition --task-definition "$taskdef" --output json |
      jq -r --arg c "$container" '.taskDefinition.containerDefinitions[] | select(.name == $c) | .image')"
    if [ "$image" != "$want" ]; then
      echo "$service runs $image, not $want: ECS rolled the deployment back, or another deployment replaced it"
      exit 1
    fi
    case "$state/$active" in
      FAILED/*) echo "$service: the deployment FAILED: $reason"; exit 1 ;;
      COMPLETED/0) echo "$service: ECS reports the deployment complete, bake included" ;;
      *) waiting="$waiting $s" ;;
    esac
  done
  pending="$waiting"
  if [ -n "$pending" ]; then echo "waiting for ECS:$pending"; sleep "$POLL_SECONDS"; fi
done
)`

// releaseSpec returns the Release project's buildspec: the check, then (with record) the
// tag written to RELEASE_PARAMETER. CodeBuild stops at the first command that fails, so a
// failed check records nothing. Tokens stay in environment variables, so the buildspec is plain
// JSON that a test can run.
func releaseSpec(record bool) *map[string]any {
	commands := []string{`test -n "$IMAGE_TAG"`, releaseCheck}
	if record {
		commands = append(commands, `aws ssm put-parameter --name "$RELEASE_PARAMETER" --value "$IMAGE_TAG" --type String --overwrite`)
	}
	return &map[string]any{
		"version": "0.2",
		"env":     map[string]any{"shell": "bash"},
		"phases":  map[string]any{"build": map[string]any{"commands": commands}},
	}
}

// imageFile is the name of the image definitions file of the service with the given name.
func imageFile(name string) string { return "imagedefinitions-" + name + ".json" }

// buildSpec returns the build's commands. The image is tagged with the first 12 characters of
// the commit id (the S3 object's version id for an S3 source); tokens stay in environment
// variables so the buildspec is plain JSON that a test can read.
func buildSpec(services []Service) *map[string]any {
	entry := `{"name":"%s","imageUri":"%%s"}`
	var all []string
	var args []string
	commands := []string{}
	for _, s := range services {
		all = append(all, fmt.Sprintf(entry, s.ContainerName))
		args = append(args, `"$IMAGE_URI"`)
		// Each deploy action reads a file naming only its own container, so it never sees a
		// container that its task definition lacks.
		commands = append(commands, fmt.Sprintf(`printf '[%s]' "$IMAGE_URI" > %s`, fmt.Sprintf(entry, s.ContainerName), imageFile(s.Name)))
	}
	commands = append(commands, fmt.Sprintf(`printf '[%s]' %s > imagedefinitions.json`, strings.Join(all, ","), strings.Join(args, " ")))
	files := []string{"imagedefinitions.json"}
	for _, s := range services {
		files = append(files, imageFile(s.Name))
	}
	return &map[string]any{
		"version": "0.2",
		// IMAGE_TAG is read by the Release stage as #{Build.IMAGE_TAG}.
		"env": map[string]any{"shell": "bash", "exported-variables": []string{"IMAGE_TAG"}},
		"phases": map[string]any{
			"pre_build": map[string]any{"commands": []string{
				`SOURCE_VERSION="${SOURCE_VERSION:-$CODEBUILD_RESOLVED_SOURCE_VERSION}"`,
				`IMAGE_TAG="$(printf '%s' "$SOURCE_VERSION" | tr -c 'A-Za-z0-9_.-' '-' | cut -c 1-12)"`,
				`test -n "$IMAGE_TAG"`,
				`IMAGE_URI="$REPOSITORY_URI:$IMAGE_TAG"`,
				`aws ecr get-login-password --region "$AWS_DEFAULT_REGION" | docker login --username AWS --password-stdin "${REPOSITORY_URI%%/*}"`,
			}},
			"build": map[string]any{"commands": append([]string{
				`if aws ecr describe-images --repository-name "$REPOSITORY_NAME" --image-ids imageTag="$IMAGE_TAG" > /dev/null 2>&1; then ` +
					`echo "$IMAGE_URI is already in the repository; not rebuilt"; ` +
					`else docker build --tag "$IMAGE_URI" --label "org.opencontainers.image.revision=$SOURCE_VERSION" --label "okiagari.environment=$ENVIRONMENT" "$BUILD_CONTEXT" && docker push "$IMAGE_URI"; fi`,
			}, commands...)},
		},
		"artifacts": map[string]any{"files": files},
	}
}

// clusterNames are the name and ARN of a service's cluster, read from the CDK once per service
// (jsii hands out one Go value per CDK object, so the service is the key).
type clusterNames struct{ name, arn *string }

var clusterCache = map[awsecs.IBaseService]clusterNames{}

func names(s awsecs.IBaseService) clusterNames {
	n, ok := clusterCache[s]
	if !ok {
		c := s.Cluster()
		n = clusterNames{c.ClusterName(), c.ClusterArn()}
		clusterCache[s] = n
	}
	return n
}

// writeDeployPolicy gives the deploy role what the ECS deploy action needs, scoped to the
// pipeline's services and their roles.
func writeDeployPolicy(this *Pipeline, p *PipelineProps) {
	stack := awscdk.Stack_Of(this.Construct)
	var services, roles, tasks, clusters []*string
	var clusterKeys []string
	for _, s := range p.Services {
		services = append(services, s.Service.ServiceArn())
		cluster := names(s.Service)
		if c := cluster.arn; !slices.Contains(clusterKeys, *c) {
			clusterKeys = append(clusterKeys, *c) // a token's string is the same for the same cluster
			clusters = append(clusters, c)
		}
		roles = append(roles, s.TaskRole.RoleArn(), s.ExecutionRole.RoleArn())
		tasks = append(tasks, stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("ecs"), Resource: jsii.String("task"),
			ResourceName: jsii.String(*cluster.name + "/*"),
			ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
		}))
	}
	r := this.DeployRole
	r.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("ecs:DescribeServices", "ecs:UpdateService"),
		Resources: &services,
	}))
	r.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("ecs:DescribeTasks"),
		Resources: &tasks,
	}))
	// The deploy action lists the service's tasks to watch the rollout (CDK's own action role has
	// it); ListTasks names no task, so it is scoped by its cluster condition instead.
	r.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings("ecs:ListTasks"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnEquals": map[string]any{"ecs:cluster": clusters}},
	}))
	// Neither action supports resource-level permissions.
	r.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"),
		Resources: jsii.Strings("*"),
	}))
	// The action copies the task definition's tags to the revision it registers; tagging on
	// create needs ecs:TagResource, allowed only as part of RegisterTaskDefinition.
	r.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("ecs:TagResource"),
		Resources: jsii.Strings(*stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("ecs"), Resource: jsii.String("task-definition"), ResourceName: jsii.String("*"),
			ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
		})),
		Conditions: &map[string]any{"StringEquals": map[string]any{"ecs:CreateAction": "RegisterTaskDefinition"}},
	}))
	r.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings("iam:PassRole"),
		Resources:  &roles,
		Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
	}))
	// The image definitions file, from the artifact bucket.
	r.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:GetObject", "s3:GetObjectVersion"),
		Resources: jsii.Strings(*this.ArtifactBucket.ArnForObjects(jsii.String("*"))),
	}))
	r.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("kms:Decrypt"),
		Resources: jsii.Strings(*this.ArtifactKey.KeyArn()),
	}))
	check.SuppressPolicy(r, check.Suppression{
		ID: "AwsSolutions-IAM5",
		Reason: "ecs:RegisterTaskDefinition and ecs:DescribeTaskDefinition support no resource-level " +
			"permissions (Resource * is the only form); ecs:ListTasks is limited to the services' clusters by its " +
			"ecs:cluster condition; ecs:TagResource is limited to task definitions being " +
			"registered (ecs:CreateAction); DescribeTasks covers the tasks of the services' own clusters; the " +
			"image definitions are read from this pipeline's own artifact bucket.",
		AppliesTo: []string{
			"Resource::*",
			`/^Resource::arn:[^:]+:ecs:[^:]+:[^:]+:task-definition\/\*$/`,
			`/^Resource::arn:[^:]+:ecs:[^:]+:[^:]+:task\/<[A-Za-z0-9]+>\/\*$/`,
			this.bucketObjects(),
		},
	})
}

// suppressPipelineWildcards records why the grants CDK writes for the pipeline's and the build's
// roles contain wildcards. Each finding is named exactly.
func suppressPipelineWildcards(this *Pipeline) {
	bucket := this.bucketObjects()
	s3Actions := []string{"Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*"}
	kmsActions := []string{"Action::kms:ReEncrypt*", "Action::kms:GenerateDataKey*"}
	applies := append(append([]string{bucket}, s3Actions...), kmsActions...)
	check.SuppressPolicy(this.Pipeline.Role(), check.Suppression{
		ID: "AwsSolutions-IAM5",
		Reason: "CDK's grants on the pipeline's own artifact bucket and key: the object wildcard is the " +
			"bucket's own objects, and the action wildcards are the S3 and KMS read/write families the pipeline " +
			"needs to pass artifacts between stages.",
		AppliesTo: applies,
	})
	projectApplies := append(append([]string{
		bucket,
		// ecr:GetAuthorizationToken supports no resource-level permissions.
		"Resource::*",
		// CDK also grants the project's default log group (/aws/codebuild/<project>), unused
		// because the logs go to LogGroup; its streams are named per build.
		`/^Resource::arn:[^:]+:logs:[^:]+:[^:]+:log-group:\/aws\/codebuild\/<` + logicalID(this.Project) + `>:\*$/`,
	}, s3Actions...), kmsActions...)
	check.SuppressPolicy(this.Project.Role(), check.Suppression{
		ID: "AwsSolutions-IAM5",
		Reason: "Resource * is ecr:GetAuthorizationToken only, which supports no resource-level " +
			"permissions (pushes are limited to the one repository); the other wildcards are CDK's grants on the " +
			"pipeline's own artifact bucket and key and on the streams of the project's default log group.",
		AppliesTo: projectApplies,
	})
	r := this.ReleaseProject
	releaseApplies := append(append([]string{
		bucket,
		// ecs:DescribeTaskDefinition supports no resource-level permissions.
		"Resource::*",
		`/^Resource::arn:[^:]+:logs:[^:]+:[^:]+:log-group:\/aws\/codebuild\/<` + logicalID(r) + `>:\*$/`,
	}, s3Actions...), kmsActions...)
	check.SuppressPolicy(r.Role(), check.Suppression{
		ID: "AwsSolutions-IAM5",
		Reason: "Resource * is ecs:DescribeTaskDefinition only, which supports no resource-level permissions " +
			"(ecs:DescribeServices is limited to the deployed services); the other wildcards are CDK's grants on the " +
			"pipeline's own artifact bucket and key (the project's input) and on the streams of the project's default " +
			"log group. Its only write is to the release parameter, when there is one.",
		AppliesTo: releaseApplies,
	})
}

// bucketObjects is how cdk-nag names the artifact bucket's objects in its findings, worked out
// once (a logical ID is several round trips into the CDK).
func (this *Pipeline) bucketObjects() string {
	if this.bucketFinding == "" {
		this.bucketFinding = "Resource::<" + logicalID(this.ArtifactBucket) + ".Arn>/*"
	}
	return this.bucketFinding
}

// logicalID returns the CloudFormation logical ID of a resource's L1, as cdk-nag names it.
func logicalID(c constructs.IConstruct) string {
	return *awscdk.Stack_Of(c).GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}
