package network

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/check"
)

// InterfaceEndpointServices are the AWS services an interface endpoint can be asked for, by the
// short name AWS uses in the endpoint's service name (com.amazonaws.<region>.<name>).
var InterfaceEndpointServices = []string{
	"ecr.api", "ecr.dkr", "logs", "monitoring", "ssm", "ssmmessages", "ec2messages",
	"secretsmanager", "sqs", "sts", "kms", "elasticfilesystem",
}

// VpcProps configures a Vpc.
type VpcProps struct {
	// AvailabilityZones are the zone names the VPC spans, one subnet of each kind per zone.
	// Naming them keeps synthesis free of AWS look-ups. At least two, no duplicates.
	// Default: none, required.
	AvailabilityZones []string
	// Cidr is the VPC's IPv4 range, a prefix of /16 to /20. Each private subnet gets a quarter of
	// it (they hold the tasks, one IP each with awsvpc networking), public and isolated subnets a
	// thirty-second each. Default: 10.0.0.0/16.
	Cidr *string
	// NatGateways is how many NAT gateways to run, each in its own zone's public subnet, between 1
	// and the number of zones. One per zone keeps egress alive when a zone fails; one in all is
	// cheaper for environments that may go dark with their zone. Default: one per zone.
	NatGateways *int
	// FlowLogRetention is how long the VPC flow logs are kept. The log group itself is retained
	// when the stack is deleted. Default: one year.
	FlowLogRetention awslogs.RetentionDays
	// InterfaceEndpoints are the AWS services (see InterfaceEndpointServices) reached through
	// interface endpoints in the private subnets instead of NAT. "ecr.api", "ecr.dkr" and "logs"
	// let tasks start while NAT is down, at about 7 USD per endpoint per zone per month.
	// Default: none. An S3 gateway endpoint (free, and ECR's image layers live in S3) is always
	// created.
	InterfaceEndpoints []string
}

func defaults() VpcProps {
	return VpcProps{
		Cidr:             jsii.String("10.0.0.0/16"),
		FlowLogRetention: awslogs.RetentionDays_ONE_YEAR,
	}
}

// Vpc is a VPC over a fixed set of availability zones with flow logs and endpoints.
type Vpc struct {
	constructs.Construct
	// Vpc is the VPC; its subnets are named Public, Private and Isolated.
	Vpc awsec2.Vpc
	// FlowLogGroup receives the VPC's flow logs.
	FlowLogGroup awslogs.LogGroup
	// FlowLog is the VPC flow log that writes to FlowLogGroup.
	FlowLog awsec2.FlowLog
	// S3Endpoint is the S3 gateway endpoint on the private and isolated route tables.
	S3Endpoint awsec2.GatewayVpcEndpoint
	// InterfaceEndpoints are the interface endpoints, keyed by service short name ("ecr.api").
	InterfaceEndpoints map[string]awsec2.InterfaceVpcEndpoint
	// EndpointSecurityGroup admits HTTPS from the VPC to the interface endpoints; nil when there
	// are none.
	EndpointSecurityGroup awsec2.SecurityGroup
}

// NewVpc creates the VPC. It returns an error, and creates nothing, when props are invalid.
func NewVpc(scope constructs.Construct, id *string, props *VpcProps) (*Vpc, error) {
	p := defaults()
	if props != nil {
		p.AvailabilityZones = props.AvailabilityZones
		if props.Cidr != nil {
			p.Cidr = props.Cidr
		}
		p.NatGateways = props.NatGateways
		if props.FlowLogRetention != "" {
			p.FlowLogRetention = props.FlowLogRetention
		}
		p.InterfaceEndpoints = props.InterfaceEndpoints
	}
	if p.NatGateways == nil {
		n := len(p.AvailabilityZones)
		p.NatGateways = &n
	}
	prefix, err := validate(scope, id, &p)
	if err != nil {
		return nil, err
	}

	// Children are created in this.Construct: jsii cannot take the Go struct itself as a scope.
	this := &Vpc{Construct: constructs.NewConstruct(scope, id), InterfaceEndpoints: map[string]awsec2.InterfaceVpcEndpoint{}}
	c := this.Construct
	this.FlowLogGroup = awslogs.NewLogGroup(c, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		Retention:     p.FlowLogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	this.Vpc = awsec2.NewVpc(c, jsii.String("Resource"), &awsec2.VpcProps{
		IpAddresses:       awsec2.IpAddresses_Cidr(p.Cidr),
		AvailabilityZones: jsii.Strings(p.AvailabilityZones...),
		NatGateways:       jsii.Number(float64(*p.NatGateways)),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			// Private first: CDK allocates ranges in this order, and the large ones must align.
			{Name: jsii.String("Private"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(float64(prefix + 2))},
			{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(float64(prefix + 5))},
			{Name: jsii.String("Isolated"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(float64(prefix + 5))},
		},
		// Removes the default security group's rules, so nothing can use it by accident.
		RestrictDefaultSecurityGroup: jsii.Bool(true),
	})
	this.FlowLog = this.Vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(this.FlowLogGroup, nil),
		TrafficType: awsec2.FlowLogTrafficType_ALL,
	})
	this.S3Endpoint = this.Vpc.AddGatewayEndpoint(jsii.String("S3"), &awsec2.GatewayVpcEndpointOptions{
		Service: awsec2.GatewayVpcEndpointAwsService_S3(),
	})
	if len(p.InterfaceEndpoints) > 0 {
		// One security group for all endpoints: HTTPS from inside the VPC, written as the literal
		// CIDR so that it reads (and cdk-nag checks it) as what it is.
		this.EndpointSecurityGroup = awsec2.NewSecurityGroup(c, jsii.String("EndpointSecurityGroup"), &awsec2.SecurityGroupProps{
			Vpc:              this.Vpc,
			Description:      jsii.String("HTTPS from the VPC to its interface endpoints"),
			AllowAllOutbound: jsii.Bool(false),
		})
		this.EndpointSecurityGroup.AddIngressRule(awsec2.Peer_Ipv4(p.Cidr), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from the VPC"), nil)
	}
	for _, name := range p.InterfaceEndpoints {
		this.InterfaceEndpoints[name] = this.Vpc.AddInterfaceEndpoint(jsii.String(endpointID(name)), &awsec2.InterfaceVpcEndpointOptions{
			Service:           awsec2.NewInterfaceVpcEndpointAwsService(jsii.String(name), nil, nil, nil),
			Subnets:           &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
			PrivateDnsEnabled: jsii.Bool(true),
			SecurityGroups:    &[]awsec2.ISecurityGroup{this.EndpointSecurityGroup},
			Open:              jsii.Bool(false),
		})
	}
	return this, nil
}

// endpointID turns "ecr.api" into the construct ID "EcrApi".
func endpointID(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '.' || r == '-' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String() + "Endpoint"
}

// validate checks p and returns the CIDR's prefix length.
func validate(scope constructs.Construct, id *string, p *VpcProps) (int, error) {
	c := check.For("network", scope, *id)
	azs := p.AvailabilityZones
	if len(azs) < 2 {
		c.Addf("AvailabilityZones must name at least 2 zones, got %d %q", len(azs), azs)
	}
	seen := map[string]bool{}
	for _, az := range azs {
		if seen[az] {
			c.Addf("AvailabilityZones names %q twice; each zone once", az)
		}
		seen[az] = true
	}
	prefix := 0
	if !check.Unresolved(p.Cidr) {
		var err error
		if prefix, err = CheckCidr(*p.Cidr); err != nil {
			c.Addf("Cidr %v", err)
		}
	}
	if err := CheckNatGateways(*p.NatGateways, len(azs)); err != nil {
		c.Addf("NatGateways %v", err)
	}
	for _, name := range p.InterfaceEndpoints {
		if err := CheckInterfaceEndpoint(name); err != nil {
			c.Addf("InterfaceEndpoints: %v", err)
		}
	}
	if err := c.Err(); err != nil {
		return 0, err
	}
	return prefix, nil
}

// CheckCidr returns the prefix length of a VPC CIDR, or an error saying what is wrong with it
// ("\"10.0.0.0/33\" is not a valid IPv4 CIDR"). The config package uses it to name the config key.
func CheckCidr(cidr string) (int, error) {
	pfx, err := netip.ParsePrefix(cidr)
	switch {
	case err != nil || !pfx.Addr().Is4():
		return 0, fmt.Errorf("%q is not a valid IPv4 CIDR", cidr)
	case pfx.Masked() != pfx:
		return 0, fmt.Errorf("%q has host bits set; use %q", cidr, pfx.Masked().String())
	case pfx.Bits() < 16 || pfx.Bits() > 20:
		return 0, fmt.Errorf("%q must have a prefix between /16 and /20, got /%d", cidr, pfx.Bits())
	}
	return pfx.Bits(), nil
}

// CheckNatGateways reports whether n NAT gateways fit zones zones: one per zone at most.
func CheckNatGateways(n, zones int) error {
	if n < 1 || n > zones && zones > 0 {
		return fmt.Errorf("must be between 1 and the number of zones (%d), got %d", zones, n)
	}
	return nil
}

// CheckInterfaceEndpoint reports whether name is one of InterfaceEndpointServices.
func CheckInterfaceEndpoint(name string) error {
	if !slices.Contains(InterfaceEndpointServices, name) {
		return fmt.Errorf("%q is not one of %s", name, strings.Join(InterfaceEndpointServices, ", "))
	}
	return nil
}
