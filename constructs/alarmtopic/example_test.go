package alarmtopic_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/okiagari/okiagari/constructs/alarmtopic"
)

func ExampleNewAlarmTopic() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Platform"), nil)
	alarms, err := alarmtopic.NewAlarmTopic(stack, jsii.String("Alarms"), &alarmtopic.AlarmTopicProps{
		Emails: []string{"oncall@example.com"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Alarms notify it with awscloudwatchactions.NewSnsAction(alarms.Topic).
	fmt.Println(alarms.Key != nil, len(alarms.Subscriptions))
	// Output: true 1
}
