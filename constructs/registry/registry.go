package registry

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/check"
)

// namePattern is ECR's repository name rule: lowercase path components of letters and digits,
// joined inside a component by single ".", "_" or "-", components separated by "/".
var namePattern = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)

var (
	releasePrefix = regexp.MustCompile(`^(/[A-Za-z0-9_.-]+)+$`)
	imageTag      = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
)

// RegistryProps configures a Registry.
type RegistryProps struct {
	// RepositoryNames are the ECR repositories to create, one per image the environment runs.
	// Each name follows ECR's rules: 2 to 256 characters, lowercase letters and digits, with ".",
	// "_" or "-" between them and "/" between path components ("team/web-api"). No duplicates.
	// Default: none, required (at least one).
	RepositoryNames []string
	// KeepTaggedImages is how many tagged images each repository keeps; older ones are expired.
	// Tags are immutable and the pipeline tags each image with its commit, so this is the number
	// of releases an operator can roll back to. At least 1. Default: 30.
	KeepTaggedImages *int
	// UntaggedExpiryDays is how many days an untagged image (a failed or superseded push) is kept
	// before it is expired. At least 1. Default: 7.
	UntaggedExpiryDays *int
	// EncryptionKey is a customer-managed KMS key to encrypt the images with. Changing it later
	// replaces every repository (ECR cannot re-encrypt), so decide before the first deploy.
	// Default: AES-256 with keys owned by ECR, at no cost.
	EncryptionKey awskms.IKey
	// ReleaseParameterPrefix, when set, creates for each repository an SSM parameter
	// "<prefix>/<repository>" holding the tag of the image that is released (the pipeline writes
	// it on every release). Services that read their tag from it at deploy time keep running the
	// current release when their stack is deployed again, instead of going back to a tag written
	// in the template. It must start with "/". Default: no parameters.
	ReleaseParameterPrefix *string
	// InitialReleaseTag is the parameters' value when they are created: the tag to push before
	// the services are first deployed. CloudFormation writes the value again whenever the
	// parameter resource is updated, so the resource has nothing else that could change, and this
	// must never change for a running environment. Default: "bootstrap".
	InitialReleaseTag *string
}

func defaults() RegistryProps {
	keep, expiry := 30, 7
	return RegistryProps{KeepTaggedImages: &keep, UntaggedExpiryDays: &expiry, InitialReleaseTag: jsii.String("bootstrap")}
}

// Registry is a set of ECR repositories with scan on push, immutable tags, encryption and a
// lifecycle policy, each retained when its stack is deleted.
type Registry struct {
	constructs.Construct
	// Repositories are the repositories, keyed by repository name.
	Repositories map[string]awsecr.Repository
	// ReleaseTags are the release parameters, keyed by repository name; empty without a
	// ReleaseParameterPrefix.
	ReleaseTags map[string]awsssm.StringParameter
}

// NewRegistry creates the repositories. It returns an error, and creates nothing, when props are
// invalid.
func NewRegistry(scope constructs.Construct, id *string, props *RegistryProps) (*Registry, error) {
	p := defaults()
	if props != nil {
		p.RepositoryNames = props.RepositoryNames
		if props.KeepTaggedImages != nil {
			p.KeepTaggedImages = props.KeepTaggedImages
		}
		if props.UntaggedExpiryDays != nil {
			p.UntaggedExpiryDays = props.UntaggedExpiryDays
		}
		p.EncryptionKey = props.EncryptionKey
		p.ReleaseParameterPrefix = props.ReleaseParameterPrefix
		if props.InitialReleaseTag != nil {
			p.InitialReleaseTag = props.InitialReleaseTag
		}
	}
	if err := validate(scope, id, &p); err != nil {
		return nil, err
	}

	this := &Registry{Construct: constructs.NewConstruct(scope, id), Repositories: map[string]awsecr.Repository{}, ReleaseTags: map[string]awsssm.StringParameter{}}
	encryption := awsecr.RepositoryEncryption_AES_256()
	if p.EncryptionKey != nil {
		encryption = awsecr.RepositoryEncryption_KMS()
	}
	for _, name := range p.RepositoryNames {
		// The construct ID comes from the name, not the list position: reordering the list must
		// not replace (and empty) a repository.
		repo := awsecr.NewRepository(this.Construct, jsii.String(ConstructID(name)), &awsecr.RepositoryProps{
			RepositoryName:     jsii.String(name),
			ImageScanOnPush:    jsii.Bool(true),
			ImageTagMutability: awsecr.TagMutability_IMMUTABLE,
			Encryption:         encryption,
			EncryptionKey:      p.EncryptionKey,
			RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
			LifecycleRules: &[]*awsecr.LifecycleRule{
				{
					RulePriority: jsii.Number(1),
					Description:  jsii.String(fmt.Sprintf("Expire untagged images after %d days", *p.UntaggedExpiryDays)),
					TagStatus:    awsecr.TagStatus_UNTAGGED,
					MaxImageAge:  check.Days(float64(*p.UntaggedExpiryDays)),
				},
				{
					// TAGGED with the pattern "*" counts tagged images only, so untagged layers of a
					// failed push never push a release out of the kept set (ANY would count them).
					RulePriority:   jsii.Number(2),
					Description:    jsii.String(fmt.Sprintf("Keep the last %d tagged images", *p.KeepTaggedImages)),
					TagStatus:      awsecr.TagStatus_TAGGED,
					TagPatternList: jsii.Strings("*"),
					MaxImageCount:  jsii.Number(float64(*p.KeepTaggedImages)),
				},
			},
		})
		if p.EncryptionKey == nil {
			// CDK leaves AES-256 implicit (it is ECR's default); written out, the template says
			// what it does and an audit of the template needs no knowledge of ECR's defaults.
			repo.Node().DefaultChild().(awsecr.CfnRepository).SetEncryptionConfiguration(&awsecr.CfnRepository_EncryptionConfigurationProperty{
				EncryptionType: jsii.String("AES256"),
			})
		}
		this.Repositories[name] = repo
		if p.ReleaseParameterPrefix != nil {
			// CloudFormation writes Value again on every update of this resource, which would
			// put the released tag back to InitialReleaseTag: the resource carries nothing that
			// could change (no description, no tags), and test/ freezes its properties.
			param := awsssm.NewStringParameter(this.Construct, jsii.String(ConstructID(name)+"Release"), &awsssm.StringParameterProps{
				ParameterName: jsii.String(ReleaseParameterName(*p.ReleaseParameterPrefix, name)),
				StringValue:   p.InitialReleaseTag,
			})
			// Tags applied to a whole stage or stack would otherwise land here too.
			param.Node().DefaultChild().(awsssm.CfnParameter).AddPropertyDeletionOverride(jsii.String("Tags"))
			this.ReleaseTags[name] = param
		}
	}
	return this, nil
}

// ReleaseParameterName is the name of the release parameter of a repository.
func ReleaseParameterName(prefix, repository string) string {
	return prefix + "/" + repository
}

// ConstructID is the construct ID of the repository with the given name: its path components
// and words in PascalCase ("team/web-api" → "TeamWebApi"). The repository's logical ID derives
// from it, so it must never change for an existing name.
func ConstructID(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return strings.ContainsRune("/._-", r) }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func validate(scope constructs.Construct, id *string, p *RegistryProps) error {
	c := check.For("registry", scope, *id)
	if len(p.RepositoryNames) == 0 {
		c.Addf("RepositoryNames must name at least one repository")
	}
	seen := map[string]bool{}
	ids := map[string]string{}
	for _, name := range p.RepositoryNames {
		switch {
		case len(name) < 2 || len(name) > 256:
			c.Addf("RepositoryNames: %q must be 2 to 256 characters long, got %d", name, len(name))
			continue
		case !namePattern.MatchString(name):
			c.Addf("RepositoryNames: %q must be lowercase letters and digits with single \".\", \"_\" or \"-\" between them and \"/\" between path components", name)
			continue
		case seen[name]:
			c.Addf("RepositoryNames names %q twice; each repository once", name)
			continue
		}
		seen[name] = true
		cid := ConstructID(name)
		if other, ok := ids[cid]; ok {
			c.Addf("RepositoryNames %q and %q both map to construct ID %q; rename one", other, name, cid)
		}
		ids[cid] = name
	}
	if pre := p.ReleaseParameterPrefix; pre != nil && !check.Unresolved(pre) && !releasePrefix.MatchString(*pre) {
		c.Addf("ReleaseParameterPrefix %q must be an SSM parameter path: \"/\" then letters, digits, \"_\", \".\", \"-\" and \"/\", not ending in \"/\"", *pre)
	}
	if t := p.InitialReleaseTag; !check.Unresolved(t) && !imageTag.MatchString(*t) {
		c.Addf("InitialReleaseTag %q is not a Docker tag: up to 128 letters, digits, \"_\", \".\" and \"-\", not starting with \".\" or \"-\"", *t)
	}
	if n := *p.KeepTaggedImages; n < 1 {
		c.Addf("KeepTaggedImages must be >= 1, got %d", n)
	}
	if n := *p.UntaggedExpiryDays; n < 1 {
		c.Addf("UntaggedExpiryDays must be >= 1, got %d", n)
	}
	return c.Err()
}
