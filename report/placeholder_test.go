package report

import "testing"

func TestPlaceholder(t *testing.T) {
	for _, c := range []struct{ arn, account, want string }{
		{"arn:aws:acm:ap-northeast-1:333333333333:certificate/00000000-0000-0000-0000-000000000000", "333333333333", "is a placeholder (all-zero id)"},
		{"arn:aws:codeconnections:ap-northeast-1:111111111111:connection/00000000-0000-0000-0000-000000000000", "111111111111", "is a placeholder (all-zero id)"},
		{"arn:aws:acm:ap-northeast-1:444444444444:certificate/6f1e0c5e-3a0b-4a35-9d0e-5b8c2a7d1e42", "333333333333", "belongs to account 444444444444, not the stack's 333333333333"},
		{"arn:aws:acm:ap-northeast-1:333333333333:certificate/6f1e0c5e-3a0b-4a35-9d0e-5b8c2a7d1e42", "333333333333", ""},
		{"arn:aws:acm:ap-northeast-1:333333333333:certificate/6f1e0c5e-3a0b-4a35-9d0e-5b8c2a7d1e42", "", ""}, // environment-agnostic stack
		{"not an arn", "333333333333", ""},
	} {
		if got := placeholder(c.arn, c.account); got != c.want {
			t.Errorf("placeholder(%q, %q) = %q, want %q", c.arn, c.account, got, c.want)
		}
	}
}

// TestPlaceholders finds them in a listener's certificates and a pipeline's source action; a
// token (a Ref) is not a placeholder.
func TestPlaceholders(t *testing.T) {
	e := envOf(t, "prod", "Services", `{"Resources": {
		"Https": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Metadata": {"aws:cdk:path": "prod/Services/Web/LoadBalancer/Https/Resource"},
			"Properties": {"Certificates": [{"CertificateArn": "arn:aws:acm:ap-northeast-1:111111111111:certificate/00000000-0000-0000-0000-000000000000"}]}},
		"Extra": {"Type": "AWS::ElasticLoadBalancingV2::ListenerCertificate", "Properties": {"Certificates": [{"CertificateArn": {"Ref": "Cert"}}]}},
		"Pipeline": {"Type": "AWS::CodePipeline::Pipeline", "Properties": {"Stages": [{"Name": "Source", "Actions": [{"Name": "Source",
			"Configuration": {"ConnectionArn": "arn:aws:codeconnections:ap-northeast-1:999999999999:connection/6f1e0c5e-3a0b-4a35-9d0e-5b8c2a7d1e42"}}]}]}}}}`)
	got := Placeholders(e)
	want := []string{
		"WARNING prod/Services/Web/LoadBalancer/Https: certificate arn:aws:acm:ap-northeast-1:111111111111:certificate/00000000-0000-0000-0000-000000000000 is a placeholder (all-zero id): the HTTPS listener cannot be created with it; set services.web[].certificateArn to an ACM certificate of account 111111111111 in ap-northeast-1",
		"WARNING prod/Services Pipeline: source connection arn:aws:codeconnections:ap-northeast-1:999999999999:connection/6f1e0c5e-3a0b-4a35-9d0e-5b8c2a7d1e42 belongs to account 999999999999, not the stack's 111111111111: the pipeline cannot fetch its source with it; set pipeline.source.connectionArn to a CodeConnections connection of account 111111111111, created and made AVAILABLE in the console",
	}
	if len(got) != len(want) {
		t.Fatalf("%d findings %v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i].String() != want[i] || got[i].Rule != "placeholder" {
			t.Errorf("got\n%s\nwant\n%s", got[i], want[i])
		}
	}
}
