package capacity_test

import (
	"fmt"

	"github.com/okiagari/okiagari/constructs/capacity"
	"github.com/okiagari/okiagari/constructs/check"
)

// A web service's strategy: two tasks always on regular Fargate, the rest three to one on Spot.
func ExampleCheckStrategy() {
	c := check.New("webservice", "prod/Services/Web")
	ec2 := capacity.CheckStrategy(c, "CapacityProviders", []capacity.Provider{
		{Name: capacity.Fargate, Base: 2, Weight: 1},
		{Name: capacity.FargateSpot, Weight: 3},
	}, nil)
	fmt.Println(ec2, c.Err())

	c = check.New("webservice", "prod/Services/Web")
	capacity.CheckStrategy(c, "CapacityProviders", []capacity.Provider{{Name: "prod-ec2", Weight: 1}}, nil)
	fmt.Println(c.Err())
	// Output:
	// false <nil>
	// webservice "prod/Services/Web": CapacityProviders[0].Name "prod-ec2" is not one of FARGATE, FARGATE_SPOT (no EC2 capacity provider is declared)
}
