package report

import (
	"fmt"
	"strings"
)

func (e *Environment) analyzeAutoHeal(ref resRef, r Resource, m meta) Workload {
	st := ref.stack
	p := r.Properties
	w := Workload{
		Environment: e.Name,
		Name:        m.name,
		Kind:        KindAutoHeal,
		Stack:       st.Name,
		LogicalID:   ref.id,
		Path:        m.path,
		Notes:       []string{},
	}
	if w.Name == "" {
		w.Name = ref.id
	}
	h := &AutoHeal{HealthCheckType: "EC2", AZs: []string{}}
	h.MinSize, _ = e.intOr(st, p["MinSize"], 0)
	h.MaxSize, _ = e.intOr(st, p["MaxSize"], 0)
	var hasDesired bool
	h.DesiredCapacity, hasDesired = e.intOr(st, p["DesiredCapacity"], h.MinSize)
	h.OneWriter = h.MinSize == 1 && h.MaxSize == 1 && (!hasDesired || h.DesiredCapacity == 1)
	if t, ok := e.str(st, p["HealthCheckType"]); ok {
		h.HealthCheckType = t
	}
	var notes []string
	h.AZs = e.subnetAZs(e.list(st, p["VPCZoneIdentifier"]), &notes)
	if h.AZs == nil {
		h.AZs = []string{}
	}
	var graceFromTemplate bool
	h.GraceSeconds, graceFromTemplate = e.intOr(st, p["HealthCheckGracePeriod"], 0)
	if !graceFromTemplate && m.grace != nil {
		h.GraceSeconds = *m.grace
		notes = append(notes, "HealthCheckGracePeriod absent from the template: the okiagari metadata graceSeconds is used")
	} else if !graceFromTemplate {
		notes = append(notes, "HealthCheckGracePeriod absent: 0 s, the default when a group is created through the API or CloudFormation (EC2 Auto Scaling User Guide: Set the health check grace period)")
	}
	h.DetectSeconds = estimatedStatusCheckDetect
	h.LaunchSeconds = estimatedInstanceLaunch
	h.BootSeconds = defaultBootSeconds
	if m.boot != nil {
		h.BootSeconds = *m.boot
	} else {
		notes = append(notes, fmt.Sprintf("no bootSeconds in the okiagari metadata: %d s assumed for boot, EFS mount and compose start", defaultBootSeconds))
	}
	h.RecoverySeconds = h.DetectSeconds + h.LaunchSeconds + h.BootSeconds
	h.FailedReplacementSeconds = h.LaunchSeconds + h.GraceSeconds + h.DetectSeconds
	h.Assumptions = append([]string{
		fmt.Sprintf("a lost instance is noticed when its EC2 status checks fail and Auto Scaling marks it unhealthy: about 2–3 min, %d s taken (EC2 User Guide: Status checks for your instances, run every minute; EC2 Auto Scaling User Guide: Health checks for instances in an Auto Scaling group)", estimatedStatusCheckDetect),
		fmt.Sprintf("a replacement instance takes about %d s from launch to running (an estimate)", estimatedInstanceLaunch),
		"boot, EFS mount and docker compose start take bootSeconds from the okiagari metadata",
		"the health check grace period keeps a NEW instance from being judged, so a replacement that never becomes healthy is noticed only after launch + grace + detection",
		"an instance that is terminated rather than impaired is noticed at once; the detection figure is the worst case",
		"Auto Scaling terminates an unhealthy instance before it launches the replacement, so a group with MaxSize 1 never runs two copies (EC2 Auto Scaling User Guide: Replace unhealthy instances)",
		"a deploy that changes the launch template replaces the instance only under an AutoScalingRollingUpdate (or AutoScalingReplacingUpdate) policy; without one the change reaches the next instance the group launches (CloudFormation User Guide: UpdatePolicy attribute)",
		"an AMI taken from an SSM parameter is resolved at every deploy: a new value (a new Amazon Linux release) changes the launch template",
	}, notes...)
	writer := "one writer: MinSize = MaxSize = 1"
	if !h.OneWriter {
		writer = fmt.Sprintf("NOT one writer: MinSize %d, MaxSize %d, DesiredCapacity %d (two copies can corrupt the data)", h.MinSize, h.MaxSize, h.DesiredCapacity)
	}
	azs := fmt.Sprintf("over %d AZs", len(h.AZs))
	if len(h.AZs) == 1 {
		azs = "in a single AZ: it cannot come back while that AZ is down"
	}
	h.Image, h.ImagePinned, h.DeployRestart = e.autoHealDeploy(st, r, h.LaunchSeconds+h.BootSeconds)
	h.Summary = fmt.Sprintf("recovers in ~%s (detect %d + launch %d + boot %d s); a replacement that fails is noticed after %d s (grace %d s); %s; health check %s, %s",
		duration(h.RecoverySeconds), h.DetectSeconds, h.LaunchSeconds, h.BootSeconds, h.FailedReplacementSeconds, h.GraceSeconds, writer, h.HealthCheckType, azs)
	w.AutoHeal = h
	w.Evacuation = e.autoHealEvacuation(ref)
	return w
}

// autoHealDeploy reads where the group's AMI comes from and says when a deploy restarts the
// host: when its launch template changes and an update policy replaces instances on such a
// change. downtime is launch + boot, the gap a restart leaves with at most one instance.
func (e *Environment) autoHealDeploy(st *Stack, r Resource, downtime int) (image string, pinned bool, restart string) {
	lt, ok := e.ref(st, obj(r.Properties["LaunchTemplate"])["LaunchTemplateId"])
	if res := lt.resource(); ok && res != nil && res.Type == "AWS::EC2::LaunchTemplate" {
		expr := obj(res.Properties["LaunchTemplateData"])["ImageId"]
		if name, isRef := obj(expr)["Ref"].(string); isRef {
			if p, isParam := lt.stack.Template.Parameters[name]; isParam && strings.HasPrefix(p.Type, "AWS::SSM::Parameter::Value") {
				if def, isStr := p.Default.(string); isStr {
					image = "ssm:" + def
				}
			}
		}
		if image == "" {
			if id, isStr := e.str(lt.stack, expr); isStr && strings.HasPrefix(id, "ami-") {
				image, pinned = id, true
			}
		}
	}
	rolling := r.UpdatePolicy["AutoScalingRollingUpdate"] != nil
	replacing := e.boolOr(st, obj(r.UpdatePolicy["AutoScalingReplacingUpdate"])["WillReplace"], false)
	how := fmt.Sprintf("a deploy restarts it (~%d s down: launch + boot)", downtime)
	if replacing {
		how = fmt.Sprintf("a deploy replaces the whole group (AutoScalingReplacingUpdate) and restarts it (~%d s down: launch + boot)", downtime)
	}
	switch {
	case !rolling && !replacing:
		return image, pinned, "a deploy does not restart it: without an update policy a launch template change reaches only the next instance the group launches"
	case pinned:
		return image, pinned, how + " only when its launch template changes (instance type, user data, the pinned AMI " + image + ")"
	case image != "":
		return image, pinned, how + " whenever its launch template changes, and at the first deploy after every new AMI behind " +
			strings.TrimPrefix(image, "ssm:") + " (each Amazon Linux release); pin the AMI to choose when"
	default:
		return image, pinned, how + " whenever its launch template changes; where its AMI comes from could not be read from the template"
	}
}
