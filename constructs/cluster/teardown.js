// Teardown of the EC2 capacity: the custom resource that runs this function is deleted before
// the Auto Scaling group, and on that Delete it lifts the scale-in protection that managed
// termination protection puts on every instance, so CloudFormation can then delete the group
// (aws/aws-cdk#18179). CloudFormation writes this file inline as index.js (no asset);
// teardown_test.js runs it against fakes.
'use strict';

// A Delete reaches this resource in other cases too: when an update that added it rolls back,
// or when an update leaves it out. The group stays then, so only these act.
const TEARDOWN = ['DELETE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS'];
const BATCH = 50; // SetInstanceProtection takes at most 50 instances
const ROUND_MS = 5000;

// run handles one request and returns the physical id and a reason; it throws on failure.
// deps: asg and cfn (AWS SDK v3 clients, or fakes), sleep(ms), now() and deadline (ms).
async function run(event, deps) {
  const name = event.ResourceProperties.AutoScalingGroupName;
  if (event.RequestType !== 'Delete') {
    return { id: name, reason: `acts when the stack is deleted` };
  }
  const id = event.PhysicalResourceId;
  const { Stacks } = await deps.cfn.describeStacks({ StackName: event.StackId });
  const status = Stacks[0].StackStatus;
  if (!TEARDOWN.includes(status)) {
    return { id, reason: `stack is ${status}: group ${id} stays as it is` };
  }
  return { id, reason: await release(id, deps) };
}

// release sets the group's minimum and desired capacity to 0, stops protecting new instances and
// unprotects every instance, until none is protected.
async function release(name, { asg, sleep, now, deadline }) {
  const describe = async () =>
    (await asg.describeAutoScalingGroups({ AutoScalingGroupNames: [name] })).AutoScalingGroups?.[0];
  if (!(await describe())) return `group ${name} is gone`;
  // First, so that nothing launched from now on is protected.
  await asg.updateAutoScalingGroup({
    AutoScalingGroupName: name, MinSize: 0, DesiredCapacity: 0, NewInstancesProtectedFromScaleIn: false,
  });
  for (;;) {
    const group = await describe();
    const ids = (group?.Instances ?? []).filter((i) => i.ProtectedFromScaleIn).map((i) => i.InstanceId);
    if (ids.length === 0) return `group ${name}: min and desired 0, no instance protected from scale-in`;
    if (now() >= deadline) {
      throw new Error(`group ${name}: ${ids.join(', ')} still protected from scale-in; ` +
        `run: aws autoscaling set-instance-protection --no-protected-from-scale-in ` +
        `--auto-scaling-group-name ${name} --instance-ids ${ids.join(' ')}`);
    }
    for (let i = 0; i < ids.length; i += BATCH) {
      try {
        await asg.setInstanceProtection({
          AutoScalingGroupName: name, InstanceIds: ids.slice(i, i + BATCH), ProtectedFromScaleIn: false,
        });
      } catch (err) {
        // An instance still launching can refuse; the next round tries again.
        console.log(`SetInstanceProtection: ${err.message}`);
      }
    }
    await sleep(ROUND_MS);
  }
}

// respond runs the request and always answers CloudFormation, which otherwise waits for the
// resource's ServiceTimeout.
async function respond(event, deps, put) {
  let body;
  try {
    const { id, reason } = await run(event, deps);
    body = { Status: 'SUCCESS', Reason: reason, PhysicalResourceId: id };
  } catch (err) {
    body = {
      Status: 'FAILED', Reason: String(err.message).slice(0, 2000),
      PhysicalResourceId: event.PhysicalResourceId ?? event.LogicalResourceId,
    };
  }
  Object.assign(body, { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId });
  console.log(JSON.stringify(body));
  await put(event.ResponseURL, JSON.stringify(body));
}

exports.handler = async (event, context) => {
  // The SDK comes with the Lambda runtime; required here so that tests need none.
  const { AutoScaling } = require('@aws-sdk/client-auto-scaling');
  const { CloudFormation } = require('@aws-sdk/client-cloudformation');
  const deps = {
    asg: new AutoScaling(), cfn: new CloudFormation(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: Date.now, deadline: Date.now() + context.getRemainingTimeInMillis() - 30000,
  };
  await respond(event, deps, async (url, body) => {
    const res = await fetch(url, { method: 'PUT', headers: { 'content-type': '' }, body });
    if (!res.ok) throw new Error(`response to CloudFormation: HTTP ${res.status}`);
  });
};

exports.respond = respond;
