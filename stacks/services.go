package stacks

import (
	"errors"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/config"
	"github.com/okiagari/okiagari/constructs/registry"
	"github.com/okiagari/okiagari/constructs/scaling"
	"github.com/okiagari/okiagari/constructs/webservice"
	"github.com/okiagari/okiagari/constructs/worker"
)

// Services is the stack holding an environment's web services and queue workers.
type Services struct {
	awscdk.Stack
	Web     map[string]*webservice.Service
	Workers map[string]*worker.Worker
}

// NewServices creates the "Services" stack of env on the network and platform of that env.
func NewServices(scope constructs.Construct, env config.Environment, net *Network, platform *Platform) (*Services, error) {
	stack := newStack(scope, "Services", env, "web services and queue workers")
	s := &Services{Stack: stack, Web: map[string]*webservice.Service{}, Workers: map[string]*worker.Worker{}}
	var errs []error
	for _, w := range env.Services.Web {
		svc, err := newWebService(stack, env, w, net, platform)
		errs = append(errs, err)
		s.Web[w.Name] = svc
	}
	for _, w := range env.Services.Workers {
		wk, err := newWorker(stack, env, w, platform)
		errs = append(errs, err)
		s.Workers[w.Name] = wk
	}
	return s, errors.Join(errs...)
}

func newWebService(stack awscdk.Stack, env config.Environment, w config.WebService, net *Network, platform *Platform) (*webservice.Service, error) {
	sc := w.Scaling
	props := &webservice.ServiceProps{
		Name:                   w.Name,
		Vpc:                    net.Vpc.Vpc,
		Cluster:                platform.Cluster.Cluster,
		AlarmTopic:             platform.AlarmTopic.Topic,
		Production:             jsii.Bool(env.Production),
		CertificateArn:         str(w.CertificateArn),
		HealthCheckPath:        w.HealthCheckPath,
		HealthCheckInterval:    seconds(w.HealthCheckIntervalSeconds),
		DeregistrationDelay:    seconds(w.DeregistrationDelaySeconds),
		SlowStart:              seconds(w.SlowStartSeconds),
		CapacityProviders:      strategy(w.CapacityProviders, platform),
		Ec2CapacityProviders:   platform.ec2Providers(),
		Cpu:                    w.Cpu,
		MemoryMiB:              w.MemoryMiB,
		ImageTag:               imageTag(stack, env, w.ImageSource),
		Image:                  str(w.Image),
		ContainerPort:          w.ContainerPort,
		Environment:            w.Environment,
		SsmSecrets:             w.SsmSecrets,
		SecretsManagerSecrets:  w.SecretsManagerSecrets,
		LogRetention:           retention(w.LogRetentionDays),
		HealthCheckCommand:     w.HealthCheckCommand,
		ImageHasCurl:           w.ImageHasCurl,
		StopTimeout:            seconds(w.StopTimeoutSeconds),
		User:                   w.User,
		ReadonlyRootFilesystem: w.ReadonlyRootFilesystem,
		WritablePaths:          w.WritablePaths,
		XRay:                   w.XRay,
		EnableExec:             w.EnableExec,
		HealthCheckGracePeriod: seconds(w.HealthCheckGraceSeconds),
		PeakTasks:              w.PeakTasks,
		StaticStability:        w.StaticStability,
		MinTasks:               w.MinTasks,
		MaxTasks:               w.MaxTasks,
		CpuTarget:              sc.CpuTargetPercent,
		ScaleOutCooldown:       seconds(sc.ScaleOutCooldownSeconds),
		ScaleInCooldown:        seconds(sc.ScaleInCooldownSeconds),
		MemoryTarget:           sc.MemoryTargetPercent,
		RequestsPerTarget:      sc.RequestsPerTarget,
		UtilizationTarget:      sc.UtilizationTargetPercent,
		UtilizationExpression:  sc.UtilizationExpression,
		CpuScalesIn:            sc.CpuScalesIn,
		MemoryScalesIn:         sc.MemoryScalesIn,
		UtilizationScalesIn:    sc.UtilizationScalesIn,
		HighResolutionMetrics:  sc.HighResolutionMetrics,
		Alarms: &webservice.AlarmThresholds{
			CpuPercent:       w.Alarms.CpuPercent,
			MemoryPercent:    w.Alarms.MemoryPercent,
			Target5xxPercent: w.Alarms.Target5xxPercent,
		},
	}
	if w.Repository != "" {
		props.Repository = platform.Registry.Repositories[w.Repository]
	}
	if d := w.Deployment; d != nil {
		props.Deployment = &webservice.DeploymentProps{
			Strategy:          webservice.DeploymentStrategy(config.Strategies[d.Strategy]),
			RollingReason:     d.RollingReason,
			CanaryPercent:     d.CanaryPercent,
			CanaryBake:        minutes(d.CanaryBakeMinutes),
			LinearStepPercent: d.LinearStepPercent,
			LinearStepBake:    minutes(d.LinearStepBakeMinutes),
			Bake:              minutes(d.BakeMinutes),
			Alarms:            d.Alarms,
		}
	}
	z := env.ZonalShift
	props.ZonalAutoshift = &webservice.AutoshiftProps{
		Enabled: z.Autoshift, OptOutReason: z.OptOutReason, BlockedDates: z.BlockedDates, BlockedWindows: z.BlockedWindows,
	}
	if s := w.Alarms.P99ResponseTimeSeconds; s != nil {
		d := durationOf(*s)
		props.Alarms.P99ResponseTime = &d
	}
	if m := sc.BusyMetric; m != nil {
		props.CustomMetric = &scaling.MetricMathProps{
			Metrics: customMetrics(m.Namespace, m.MetricName, m.Dimensions, m.Statistic),
			Label:   jsii.String(m.MetricName),
			Target:  jsii.Number(m.Target),
		}
		if m.ScalesIn != nil {
			props.CustomMetric.DisableScaleIn = jsii.Bool(!*m.ScalesIn)
		}
	}
	if pr := sc.Predictive; pr != nil {
		props.Predictive = &scaling.PredictiveProps{
			Metric:            scaling.PredictiveMetric(config.PredictiveMetrics[pr.Metric]),
			Target:            pr.Target,
			Mode:              scaling.PredictiveMode(config.PredictiveModes[pr.Mode]),
			SchedulingBuffer:  seconds(pr.SchedulingBufferSeconds),
			MaxCapacityBreach: scaling.MaxCapacityBreach(config.MaxCapacityBreaches[pr.MaxCapacityBreach]),
			MaxCapacityBuffer: pr.MaxCapacityBufferPercent,
		}
	}
	if st := sc.CpuStep; st != nil {
		props.CpuStep = &webservice.CpuStep{
			Threshold:         st.ThresholdPercent,
			EvaluationPeriods: st.EvaluationPeriods,
			DatapointsToAlarm: st.DatapointsToAlarm,
			Cooldown:          seconds(st.CooldownSeconds),
		}
		for _, step := range st.Steps {
			props.CpuStep.Steps = append(props.CpuStep.Steps, scaling.Step{Lower: step.Lower, Upper: step.Upper, Change: step.Change})
		}
	}
	for _, sch := range sc.Schedules {
		props.Schedules = append(props.Schedules, scaling.ScheduleProps{
			Cron: sch.Cron, TimeZone: str(sch.TimeZone), MinCapacity: sch.MinTasks, MaxCapacity: sch.MaxTasks,
		})
	}
	return webservice.NewService(stack, jsii.String(constructID(w.Name)), props)
}

func newWorker(stack awscdk.Stack, env config.Environment, w config.Worker, platform *Platform) (*worker.Worker, error) {
	props := &worker.WorkerProps{
		Name:                      jsii.String(w.Name),
		Cluster:                   platform.Cluster.Cluster,
		ImageTag:                  imageTag(stack, env, w.ImageSource),
		Image:                     str(w.Image),
		Command:                   w.Command,
		Environment:               w.Environment,
		Cpu:                       w.Cpu,
		MemoryMiB:                 w.MemoryMiB,
		CapacityProviders:         strategy(w.CapacityProviders, platform),
		Ec2CapacityProviders:      platform.ec2Providers(),
		StopTimeout:               seconds(w.StopTimeoutSeconds),
		MessageProcessingTime:     seconds(w.MessageProcessingSeconds),
		LatencyTarget:             seconds(w.LatencyTargetSeconds),
		MinTasks:                  w.MinTasks,
		MaxTasks:                  w.MaxTasks,
		ScaleOutCooldown:          seconds(w.ScaleOutCooldownSeconds),
		ScaleInCooldown:           seconds(w.ScaleInCooldownSeconds),
		AlarmTopic:                platform.AlarmTopic.Topic,
		OldestMessageAgeThreshold: seconds(w.OldestMessageAgeSeconds),
		LogRetention:              retention(w.LogRetentionDays),
		ProtectionExpiry:          minutes(w.ProtectionExpiryMinutes),
		User:                      w.User,
		ReadonlyRootFilesystem:    w.ReadonlyRootFilesystem,
		WritablePaths:             w.WritablePaths,
	}
	if d := w.Deployment; d != nil {
		props.Bake, props.DeploymentAlarms = minutes(d.BakeMinutes), d.Alarms
	}
	if w.Repository != "" {
		props.Repository = platform.Registry.Repositories[w.Repository]
	}
	if q := w.Queue; q != nil {
		props.Queue = &worker.QueueProps{
			VisibilityTimeout: seconds(q.VisibilityTimeoutSeconds),
			RetentionPeriod:   seconds(q.RetentionSeconds),
			MaxReceiveCount:   q.MaxReceiveCount,
		}
	}
	if m := w.ExternalMetric; m != nil {
		props.ExternalMetric = &worker.ExternalMetric{
			Namespace: m.Namespace, MetricName: m.MetricName, Dimensions: m.Dimensions, Statistic: str(m.Statistic),
		}
	}
	id := constructID(w.Name)
	if len(w.SsmSecrets)+len(w.SecretsManagerSecrets) > 0 {
		props.Secrets = map[string]awsecs.Secret{}
		scope := constructs.NewConstruct(stack, jsii.String(id+"Secrets"))
		for env, name := range w.SsmSecrets {
			param := awsssm.StringParameter_FromSecureStringParameterAttributes(scope, jsii.String(env), &awsssm.SecureStringParameterAttributes{ParameterName: jsii.String(name)})
			props.Secrets[env] = awsecs.Secret_FromSsmParameter(param)
		}
		for env, name := range w.SecretsManagerSecrets {
			props.Secrets[env] = awsecs.Secret_FromSecretsManager(awssecretsmanager.Secret_FromSecretNameV2(scope, jsii.String(env), jsii.String(name)), nil)
		}
	}
	return worker.NewWorker(stack, jsii.String(id), props)
}

// imageTag is the tag a service runs: the one config pins, else, for a repository, the one its
// release parameter holds when the stack is deployed (what the pipeline last released), so a
// `cdk deploy` of the services never goes back to an older image.
func imageTag(stack awscdk.Stack, env config.Environment, im config.ImageSource) *string {
	switch {
	case im.ImageTag != "":
		return jsii.String(im.ImageTag)
	case im.Repository == "":
		return nil
	}
	name := registry.ReleaseParameterName(ReleasePrefix(env), im.Repository)
	return awsssm.StringParameter_ValueForStringParameter(stack, jsii.String(name), nil)
}
