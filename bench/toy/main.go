// Command toy is the floor okiagari's synthesis time is measured against (make bench): one stack
// with one bucket, in the same runtime (Go + jsii + Node) as the real app.
package main

import (
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	out := "bench.out/toy"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(out)})
	stack := awscdk.NewStack(app, jsii.String("Toy"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("ap-northeast-1")},
	})
	awss3.NewBucket(stack, jsii.String("Bucket"), nil)
	app.Synth(nil)
	if null, err := os.Open(os.DevNull); err == nil {
		os.Stderr = null // jsii's harmless double-wait message
	}
	jsii.Close()
}
