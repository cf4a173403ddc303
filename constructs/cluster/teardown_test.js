// Tests of teardown.js against fake AWS clients: `node --test teardown_test.js` (run by
// TestTeardownHandler in cluster_test.go, so `go test` runs them).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { respond } = require('./teardown.js');

const STACK = 'arn:aws:cloudformation:ap-northeast-1:123456789012:stack/stg-Platform/1111';

function event(type, extra = {}) {
  return {
    RequestType: type, StackId: STACK, RequestId: 'req-1', LogicalResourceId: 'ClusterTeardown',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/x',
    ResourceProperties: { AutoScalingGroupName: 'stg-asg' },
    ...(type === 'Create' ? {} : { PhysicalResourceId: 'stg-asg' }),
    ...extra,
  };
}

// fakes returns fake clients over a group of n protected instances (none when n is null: no
// group), a stack in status, and the calls they receive. refuse(ids, round) makes
// SetInstanceProtection fail; launchAfterUpdate adds a protected instance that was launching when
// the group was updated.
function fakes({ status = 'DELETE_IN_PROGRESS', n = 3, refuse = () => false, launchAfterUpdate = false } = {}) {
  const calls = [];
  let clock = 0;
  let round = 0;
  const group = n === null ? null : {
    AutoScalingGroupName: 'stg-asg', MinSize: 3, DesiredCapacity: 3, NewInstancesProtectedFromScaleIn: true,
    Instances: Array.from({ length: n }, (_, i) => ({ InstanceId: `i-${i}`, ProtectedFromScaleIn: true })),
  };
  const asg = {
    async describeAutoScalingGroups(input) {
      calls.push(['describeAutoScalingGroups', input]);
      return { AutoScalingGroups: group ? [structuredClone(group)] : [] };
    },
    async updateAutoScalingGroup(input) {
      calls.push(['updateAutoScalingGroup', input]);
      Object.assign(group, { MinSize: input.MinSize, DesiredCapacity: input.DesiredCapacity,
        NewInstancesProtectedFromScaleIn: input.NewInstancesProtectedFromScaleIn });
      if (launchAfterUpdate) group.Instances.push({ InstanceId: 'i-late', ProtectedFromScaleIn: true });
    },
    async setInstanceProtection(input) {
      calls.push(['setInstanceProtection', input]);
      if (refuse(input.InstanceIds, round)) throw new Error('ValidationError: instance is not InService');
      for (const i of group.Instances) {
        if (input.InstanceIds.includes(i.InstanceId)) i.ProtectedFromScaleIn = input.ProtectedFromScaleIn;
      }
    },
  };
  const cfn = {
    async describeStacks(input) {
      calls.push(['describeStacks', input]);
      if (status instanceof Error) throw status;
      return { Stacks: [{ StackId: STACK, StackStatus: status }] };
    },
  };
  const deps = {
    asg, cfn, now: () => clock, deadline: 60000,
    sleep: async (ms) => { calls.push(['sleep', ms]); clock += ms; round++; },
  };
  return { deps, calls, group };
}

async function handle(ev, deps) {
  const sent = [];
  await respond(ev, deps, async (url, body) => sent.push({ url, body: JSON.parse(body) }));
  assert.equal(sent.length, 1, 'exactly one response to CloudFormation');
  assert.equal(sent[0].url, ev.ResponseURL);
  const body = sent[0].body;
  assert.equal(body.StackId, STACK);
  assert.equal(body.RequestId, 'req-1');
  assert.equal(body.LogicalResourceId, 'ClusterTeardown');
  return body;
}

const names = (calls) => calls.map((c) => c[0]);

for (const type of ['Create', 'Update']) {
  test(`${type} touches nothing and names the group`, async () => {
    const { deps, calls } = fakes();
    const body = await handle(event(type), deps);
    assert.equal(body.Status, 'SUCCESS');
    assert.equal(body.PhysicalResourceId, 'stg-asg');
    assert.deepEqual(calls, []);
  });
}

for (const status of ['DELETE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS']) {
  test(`Delete while ${status} empties the group and lifts every protection`, async () => {
    const { deps, calls, group } = fakes({ status, n: 120 });
    const body = await handle(event('Delete'), deps);
    assert.equal(body.Status, 'SUCCESS', body.Reason);
    assert.equal(body.PhysicalResourceId, 'stg-asg');
    assert.deepEqual(calls[0], ['describeStacks', { StackName: STACK }]);
    assert.deepEqual(calls.find((c) => c[0] === 'updateAutoScalingGroup')[1], {
      AutoScalingGroupName: 'stg-asg', MinSize: 0, DesiredCapacity: 0, NewInstancesProtectedFromScaleIn: false,
    });
    // The group is updated before any instance is unprotected.
    assert.ok(names(calls).indexOf('updateAutoScalingGroup') < names(calls).indexOf('setInstanceProtection'));
    const batches = calls.filter((c) => c[0] === 'setInstanceProtection').map((c) => c[1]);
    assert.deepEqual(batches.map((b) => b.InstanceIds.length), [50, 50, 20]);
    assert.ok(batches.every((b) => b.ProtectedFromScaleIn === false && b.AutoScalingGroupName === 'stg-asg'));
    assert.ok(group.Instances.every((i) => !i.ProtectedFromScaleIn));
    assert.equal(group.MinSize, 0);
    assert.equal(group.DesiredCapacity, 0);
  });
}

for (const status of ['UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_IN_PROGRESS']) {
  test(`Delete while ${status} leaves the group alone`, async () => {
    const { deps, calls, group } = fakes({ status });
    const body = await handle(event('Delete'), deps);
    assert.equal(body.Status, 'SUCCESS');
    assert.match(body.Reason, new RegExp(`stack is ${status}`));
    assert.deepEqual(names(calls), ['describeStacks']);
    assert.equal(group.DesiredCapacity, 3);
    assert.ok(group.Instances.every((i) => i.ProtectedFromScaleIn));
  });
}

test('Delete of a group that is already gone succeeds', async () => {
  const { deps, calls } = fakes({ n: null });
  const body = await handle(event('Delete'), deps);
  assert.equal(body.Status, 'SUCCESS');
  assert.match(body.Reason, /is gone/);
  assert.deepEqual(names(calls), ['describeStacks', 'describeAutoScalingGroups']);
});

test('Delete of an empty group only updates it', async () => {
  const { deps, calls } = fakes({ n: 0 });
  const body = await handle(event('Delete'), deps);
  assert.equal(body.Status, 'SUCCESS');
  assert.ok(!names(calls).includes('setInstanceProtection'));
  assert.ok(!names(calls).includes('sleep'));
});

test('an instance that refuses, or was still launching, is unprotected on a later round', async () => {
  const { deps, calls, group } = fakes({ launchAfterUpdate: true, refuse: (ids, round) => round === 0 });
  const body = await handle(event('Delete'), deps);
  assert.equal(body.Status, 'SUCCESS', body.Reason);
  assert.ok(group.Instances.some((i) => i.InstanceId === 'i-late'));
  assert.ok(group.Instances.every((i) => !i.ProtectedFromScaleIn));
  // One round refused, one lifted the rest, then a check found none protected.
  assert.deepEqual(calls.filter((c) => c[0] === 'sleep'), [['sleep', 5000], ['sleep', 5000]]);
});

test('protection that cannot be lifted before the deadline fails, naming the instances and the fix', async () => {
  const { deps } = fakes({ n: 2, refuse: () => true });
  const body = await handle(event('Delete'), deps);
  assert.equal(body.Status, 'FAILED');
  assert.equal(body.PhysicalResourceId, 'stg-asg');
  assert.match(body.Reason, /group stg-asg: i-0, i-1 still protected from scale-in/);
  assert.match(body.Reason, /aws autoscaling set-instance-protection --no-protected-from-scale-in --auto-scaling-group-name stg-asg --instance-ids i-0 i-1/);
});

test('an AWS error is reported to CloudFormation, not left to time out', async () => {
  const { deps } = fakes({ status: new Error('AccessDenied: cloudformation:DescribeStacks') });
  const body = await handle(event('Delete'), deps);
  assert.equal(body.Status, 'FAILED');
  assert.match(body.Reason, /AccessDenied/);
});
