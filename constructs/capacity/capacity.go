package capacity

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/check"
)

// The Fargate capacity providers every cluster with Fargate enabled has.
const (
	Fargate     = "FARGATE"
	FargateSpot = "FARGATE_SPOT"
)

// Provider is one entry of a capacity-provider strategy.
type Provider struct {
	// Name is FARGATE, FARGATE_SPOT or the name of one of the cluster's EC2 capacity providers.
	// A strategy names Fargate providers only or EC2 providers only: ECS cannot mix them in one
	// service. Default: none, required.
	Name string
	// Base is how many tasks run on this provider before the weights apply, 0–100000; at most
	// one provider of a strategy has a base. Default: 0.
	Base int
	// Weight is this provider's share of the tasks beyond the bases, 0–1000; at least one
	// provider of a strategy has a weight above 0. Default: 0 (no share), so give every provider
	// that should run tasks beyond the base a weight.
	Weight int
}

// CheckStrategy records in c every problem of the strategy providers, the value of the field
// named field ("CapacityProviders"), whose EC2 providers must be among ec2Names. It reports
// whether the strategy runs its tasks on EC2: true when it names EC2 providers and no Fargate
// one.
func CheckStrategy(c *check.Problems, field string, providers []Provider, ec2Names []string) (ec2 bool) {
	if len(providers) == 0 {
		c.Addf("%s must name at least one provider", field)
		return false
	}
	known := strings.Join(append([]string{Fargate, FargateSpot}, ec2Names...), ", ")
	if len(ec2Names) == 0 {
		known += " (no EC2 capacity provider is declared)"
	}
	var fargates, ec2s int
	var bases []string
	weighted := false
	seen := map[string]bool{}
	for i, p := range providers {
		item := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case p.Name == Fargate || p.Name == FargateSpot:
			fargates++
		case slices.Contains(ec2Names, p.Name):
			ec2s++
		default:
			c.Addf("%s.Name %q is not one of %s", item, p.Name, known)
		}
		if seen[p.Name] {
			c.Addf("%s.Name %q appears twice; name each provider once", item, p.Name)
		}
		seen[p.Name] = true
		if p.Base < 0 || p.Base > 100000 {
			c.Addf("%s.Base must be between 0 and 100000, got %d", item, p.Base)
		}
		if p.Weight < 0 || p.Weight > 1000 {
			c.Addf("%s.Weight must be between 0 and 1000, got %d", item, p.Weight)
		}
		if p.Base > 0 {
			bases = append(bases, p.Name)
		}
		if p.Weight > 0 {
			weighted = true
		}
	}
	if fargates > 0 && ec2s > 0 {
		c.Addf("%s mixes Fargate and EC2 providers; ECS runs a service on one or the other", field)
	}
	if len(bases) > 1 {
		c.Addf("%s: only one provider may have a Base above 0, got %s", field, strings.Join(bases, " and "))
	}
	if !weighted {
		c.Addf("%s: at least one provider must have a Weight above 0, or no task is placed beyond the Base", field)
	}
	return ec2s > 0 && fargates == 0
}

// clusters holds the capacity providers of every cluster Declare was called for, keyed by the
// cluster value itself (a jsii proxy is a pointer, so the key is the cluster's identity): an
// awsecs.ICluster does not say which providers it has.
var clusters sync.Map // awsecs.ICluster → []string

// Declare records that cluster has exactly the EC2 capacity providers ec2Names (none for a
// Fargate-only cluster) besides FARGATE and FARGATE_SPOT. An okiagari cluster declares itself,
// so that a service placed on it has its strategy checked against the providers it really has.
func Declare(cluster awsecs.ICluster, ec2Names []string) {
	clusters.Store(cluster, slices.Clone(ec2Names))
}

// Ec2Providers returns the EC2 capacity providers a strategy of a service on cluster may name,
// and records in c (under field, "Ec2CapacityProviders") every name of declared that a declared
// cluster (Declare) does not have. For a declared cluster, declared may be nil: the cluster's own
// providers are the answer. For any other cluster the answer is declared, unchecked.
func Ec2Providers(c *check.Problems, field string, cluster awsecs.ICluster, declared []string) []string {
	v, ok := clusters.Load(cluster)
	if !ok {
		return declared
	}
	have := v.([]string)
	if declared == nil {
		return have
	}
	var out []string
	for i, name := range declared {
		if slices.Contains(have, name) {
			out = append(out, name)
			continue
		}
		if len(have) == 0 {
			c.Addf("%s[%d] %q: the cluster is Fargate-only; it has no EC2 capacity provider", field, i, name)
		} else {
			c.Addf("%s[%d] %q is not an EC2 capacity provider of the cluster; it has %s", field, i, name, strings.Join(have, ", "))
		}
	}
	return out
}

// fargateMemory lists, per Fargate CPU size, the smallest and largest memory (MiB) and the step
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size).
var fargateMemory = map[int]struct{ lo, hi, step int }{
	256:   {512, 2048, 0}, // 512, 1024 or 2048: no regular step
	512:   {1024, 4096, 1024},
	1024:  {2048, 8192, 1024},
	2048:  {4096, 16384, 1024},
	4096:  {8192, 30720, 1024},
	8192:  {16384, 61440, 4096},
	16384: {32768, 122880, 8192},
}

// CheckFargateSize returns an error naming the allowed sizes when cpu units and memoryMiB are
// not a combination Fargate runs.
func CheckFargateSize(cpu, memoryMiB int) error {
	m, ok := fargateMemory[cpu]
	switch {
	case !ok:
		return fmt.Errorf("Cpu %d is not a Fargate size; use 256, 512, 1024, 2048, 4096, 8192 or 16384", cpu)
	case cpu == 256:
		if memoryMiB == 512 || memoryMiB == 1024 || memoryMiB == 2048 {
			return nil
		}
		return fmt.Errorf("Cpu 256 with MemoryMiB %d is not a valid Fargate size; with 256 CPU units use 512, 1024 or 2048 MiB", memoryMiB)
	case memoryMiB < m.lo || memoryMiB > m.hi || (memoryMiB-m.lo)%m.step != 0:
		return fmt.Errorf("Cpu %d with MemoryMiB %d is not a valid Fargate size; with %d CPU units use %d–%d MiB in steps of %d",
			cpu, memoryMiB, cpu, m.lo, m.hi, m.step)
	}
	return nil
}

// CheckTaskSize records in c a problem with the task size: on Fargate cpu and memoryMiB must be a
// Fargate size (CheckFargateSize); on EC2, where they are the container's CPU reservation and
// memory limit, each must be at least 128.
func CheckTaskSize(c *check.Problems, ec2 bool, cpu, memoryMiB int) {
	if !ec2 {
		if err := CheckFargateSize(cpu, memoryMiB); err != nil {
			c.Addf("%v", err)
		}
		return
	}
	if cpu < 128 {
		c.Addf("Cpu %d must be >= 128 units on EC2", cpu)
	}
	if memoryMiB < 128 {
		c.Addf("MemoryMiB %d must be >= 128 on EC2", memoryMiB)
	}
}

// Strategy returns providers as the strategy of an ECS service, in the same order.
func Strategy(providers []Provider) *[]*awsecs.CapacityProviderStrategy {
	strategy := make([]*awsecs.CapacityProviderStrategy, len(providers))
	for i, p := range providers {
		strategy[i] = &awsecs.CapacityProviderStrategy{
			CapacityProvider: jsii.String(p.Name),
			Base:             jsii.Number(float64(p.Base)),
			Weight:           jsii.Number(float64(p.Weight)),
		}
	}
	return &strategy
}

// NewTaskDefinition creates the task definition for a strategy: a FargateTaskDefinition of cpu
// units and memoryMiB, or for an EC2 strategy an Ec2TaskDefinition in awsvpc network mode (each
// task its own network interface and security groups, as on Fargate) with no task-level size, so
// the caller sets cpu and memoryMiB on the container.
func NewTaskDefinition(scope constructs.Construct, id *string, ec2 bool, cpu, memoryMiB int) awsecs.TaskDefinition {
	if ec2 {
		return awsecs.NewEc2TaskDefinition(scope, id, &awsecs.Ec2TaskDefinitionProps{
			NetworkMode: awsecs.NetworkMode_AWS_VPC,
		})
	}
	return awsecs.NewFargateTaskDefinition(scope, id, &awsecs.FargateTaskDefinitionProps{
		Cpu:            jsii.Number(float64(cpu)),
		MemoryLimitMiB: jsii.Number(float64(memoryMiB)),
	})
}

// Hardening is how a service's application container runs: as which user, and with which parts
// of its file system writable. A read-only root file system keeps an intruder from planting files
// in the image's directories; the paths the application writes to become task volumes.
type Hardening struct {
	// User is the container's user, "name", "uid", "name:group" or "uid:gid"; a numeric UID works
	// with any image, a name must exist in the image. Not root. Default: the image's own user.
	User *string
	// ReadonlyRootFilesystem mounts the container's root file system read-only. Default: false.
	ReadonlyRootFilesystem *bool
	// WritablePaths are absolute directories the application writes to (e.g. "/tmp"), each an
	// empty task volume mounted read-write, only with ReadonlyRootFilesystem. Default: none.
	WritablePaths []string
}

var containerUser = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$`)

// CheckHardening records in c every problem of h.
func CheckHardening(c *check.Problems, h Hardening) {
	if u := h.User; u != nil {
		name, _, _ := strings.Cut(*u, ":")
		switch {
		case !containerUser.MatchString(*u):
			c.Addf("User %q must be name, uid, name:group or uid:gid", *u)
		case name == "root" || name == "0":
			c.Addf("User %q runs as root; name a non-root user, or leave User unset to keep the image's", *u)
		}
	}
	readonly := h.ReadonlyRootFilesystem != nil && *h.ReadonlyRootFilesystem
	if len(h.WritablePaths) > 0 && !readonly {
		c.Addf("WritablePaths apply only with ReadonlyRootFilesystem: the root file system is writable anyway")
	}
	seen := map[string]bool{}
	for i, p := range h.WritablePaths {
		switch {
		case !path.IsAbs(p) || path.Clean(p) != p || p == "/":
			c.Addf("WritablePaths[%d] %q must be a clean absolute directory other than /", i, p)
		case seen[volumeName(p)]:
			c.Addf("WritablePaths[%d] %q is named twice", i, p)
		}
		seen[volumeName(p)] = true
	}
}

// ApplyHardening sets the user and the read-only root on the container's options, before the
// container is added.
func ApplyHardening(opts *awsecs.ContainerDefinitionOptions, h Hardening) {
	opts.User = h.User
	if h.ReadonlyRootFilesystem != nil && *h.ReadonlyRootFilesystem {
		opts.ReadonlyRootFilesystem = jsii.Bool(true)
	}
}

// MountWritablePaths adds a task volume per writable path to the task definition and mounts it in
// the container, after the container is added. The volumes are empty and live as long as the
// task (Fargate ephemeral storage, or the instance's Docker volume area on EC2).
func MountWritablePaths(td awsecs.TaskDefinition, container awsecs.ContainerDefinition, h Hardening) {
	for _, p := range h.WritablePaths {
		name := volumeName(p)
		td.AddVolume(&awsecs.Volume{Name: jsii.String(name)})
		container.AddMountPoints(&awsecs.MountPoint{ContainerPath: jsii.String(p), SourceVolume: jsii.String(name), ReadOnly: jsii.Bool(false)})
	}
}

// volumeName is the task volume of a writable path: "/var/cache/app" → "writable-var-cache-app".
func volumeName(p string) string {
	return "writable-" + strings.Map(func(r rune) rune {
		switch {
		case r == '/':
			return '-'
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			return r
		}
		return '_'
	}, strings.Trim(p, "/"))
}
