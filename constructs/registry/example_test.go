package registry_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/registry"
)

func ExampleNewRegistry() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Platform"), nil)
	reg, err := registry.NewRegistry(stack, jsii.String("Registry"), &registry.RegistryProps{
		RepositoryNames:    []string{"web", "worker"},
		KeepTaggedImages:   ptr(50),
		UntaggedExpiryDays: ptr(3),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(reg.Repositories))
	// Output: 2
}
