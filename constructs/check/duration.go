package check

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// Every awscdk.Duration made from Go is a round trip into the CDK, and the same few values
// (10 s, 60 s, one minute, 30 days …) recur in every construct of every environment. A Duration is
// an immutable value that any number of constructs may share, so Seconds, Minutes and Days make
// each one once per process. The unit is kept as asked: some properties render it ("PT1M").
// jsii is not safe for concurrent use, and neither are these.

type durationKey struct {
	unit   byte
	amount float64
}

var durations = map[durationKey]awscdk.Duration{}

func duration(unit byte, amount float64, make func(*float64) awscdk.Duration) awscdk.Duration {
	k := durationKey{unit, amount}
	d, ok := durations[k]
	if !ok {
		d = make(jsii.Number(amount))
		durations[k] = d
	}
	return d
}

// Seconds is awscdk.Duration_Seconds(n), made once per value.
func Seconds(n float64) awscdk.Duration { return duration('s', n, awscdk.Duration_Seconds) }

// Minutes is awscdk.Duration_Minutes(n), made once per value.
func Minutes(n float64) awscdk.Duration { return duration('m', n, awscdk.Duration_Minutes) }

// Days is awscdk.Duration_Days(n), made once per value.
func Days(n float64) awscdk.Duration { return duration('d', n, awscdk.Duration_Days) }
