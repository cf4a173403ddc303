package report

import (
	"fmt"
	"strings"
)

// Placeholders finds the certificate and connection ARNs of an environment's templates that are
// placeholders: an all-zero resource id (as the shipped cdk.json has, so that it synthesizes for
// anyone), or an account other than the stack's. Either fails the deploy, or worse, uses another
// account's resource, so each is a warning naming the cdk.json key to set; the synth goes on.
func Placeholders(env *Environment) []Finding {
	out := []Finding{}
	for _, st := range env.Stacks {
		if st.Template == nil {
			continue
		}
		for _, id := range sortedKeys(st.Template.Resources) {
			r := st.Template.Resources[id]
			where := constructPath(r)
			if where == "" {
				where = st.Name + " " + id
			}
			switch r.Type {
			case "AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::ListenerCertificate":
				for _, c := range env.list(st, r.Properties["Certificates"]) {
					arn, ok := env.str(c.st, obj(c.x)["CertificateArn"])
					if why := placeholder(arn, st.Account); ok && why != "" {
						out = append(out, Finding{Severity: Warning, Environment: env.Name, Rule: "placeholder", Message: fmt.Sprintf(
							"%s: certificate %s %s: the HTTPS listener cannot be created with it; set services.web[].certificateArn to an ACM certificate of account %s in %s",
							where, arn, why, st.Account, st.Region)})
					}
				}
			case "AWS::CodePipeline::Pipeline":
				for _, stage := range env.list(st, r.Properties["Stages"]) {
					for _, a := range env.list(stage.st, obj(stage.x)["Actions"]) {
						arn, ok := env.str(a.st, obj(obj(a.x)["Configuration"])["ConnectionArn"])
						if why := placeholder(arn, st.Account); ok && why != "" {
							out = append(out, Finding{Severity: Warning, Environment: env.Name, Rule: "placeholder", Message: fmt.Sprintf(
								"%s: source connection %s %s: the pipeline cannot fetch its source with it; set pipeline.source.connectionArn to a CodeConnections connection of account %s, created and made AVAILABLE in the console",
								where, arn, why, st.Account)})
						}
					}
				}
			}
		}
	}
	return out
}

// placeholder says why an ARN is a placeholder ("is a placeholder (all-zero id)", "belongs to
// account X, not the stack's Y"), or "".
func placeholder(arn, account string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return ""
	}
	res := parts[5]
	if i := strings.LastIndexAny(res, "/:"); i >= 0 {
		res = res[i+1:]
	}
	if res != "" && strings.Trim(res, "0-") == "" {
		return "is a placeholder (all-zero id)"
	}
	if a := parts[4]; account != "" && a != "" && a != account {
		return fmt.Sprintf("belongs to account %s, not the stack's %s", a, account)
	}
	return ""
}
