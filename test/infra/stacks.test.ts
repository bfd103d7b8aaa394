/**
 * The CDK app's stacks, synthesised offline once per app (a few seconds), checked with
 * aws-cdk-lib/assertions: queues and their redrive policies, visibility timeouts against the
 * consuming functions' timeouts, the schedule, event source mappings reporting batch item failures,
 * the WebSocket routes, IAM statements scoped to specific ARNs, one worker stack per region.
 *
 * The functions' code is stand-in directories here (the real bundles are built by the CDK app and
 * tested in test/handlers/), so these tests do not depend on esbuild or the handlers.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { bundlesIn, VIGIL_FUNCTIONS, type VigilFunctionName } from '../../infra/bundles.ts';
import { parseConfig, type VigilConfig } from '../../infra/config.ts';
import { CHECK_QUEUE_MAX_RECEIVES, RESULTS_QUEUE_MAX_RECEIVES, VISIBILITY_TIMEOUTS_PER_FUNCTION_TIMEOUT } from '../../infra/settings.ts';
import { localEnvironment, samTemplate } from '../../infra/sam.ts';
import { createVigilStacks } from '../../infra/vigil-app.ts';

const stubs = mkdtempSync(join(tmpdir(), 'vigil-infra-'));
after(() => rmSync(stubs, { recursive: true, force: true }));

/** Directories standing in for the bundles of `names`. */
function stubBundles(names: readonly VigilFunctionName[]): ReturnType<typeof bundlesIn> {
  const dir = join(stubs, names.join('+'));
  for (const name of names) {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'index.mjs'), `export const handler = async () => ({ name: '${name}' });\n`);
  }
  return bundlesIn(dir);
}

/** The app as `cdk synth` builds it: with the context (feature flags) of infra/cdk.json. */
function synthesise(config: VigilConfig, names: readonly VigilFunctionName[] = VIGIL_FUNCTIONS) {
  const cdkJson = JSON.parse(readFileSync(new URL('../../infra/cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ context: cdkJson.context });
  const stacks = createVigilStacks(app, config, stubBundles(names));
  const home = Template.fromStack(stacks.home);
  const workers = new Map([...stacks.workers].map(([region, stack]) => [region, Template.fromStack(stack)]));
  return { app, stacks, home, workers };
}

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };
const resourcesOf = (template: Template, type: string) => template.findResources(type) as Record<string, Resource>;

/** Every inline policy statement of a template (policies and roles), with the policy's id. */
function statementsOf(template: Template): { id: string; statement: { Action: string | string[]; Resource: unknown; Effect: string } }[] {
  const found = [];
  for (const [id, policy] of Object.entries(resourcesOf(template, 'AWS::IAM::Policy'))) {
    for (const statement of policy.Properties.PolicyDocument.Statement) found.push({ id, statement });
  }
  for (const [id, role] of Object.entries(resourcesOf(template, 'AWS::IAM::Role'))) {
    for (const policy of role.Properties.Policies ?? []) for (const statement of policy.PolicyDocument.Statement) found.push({ id, statement });
  }
  return found;
}

/** The statements of the policy attached to the role of the function named `functionName`. */
function statementsOfFunction(template: Template, functionName: string) {
  const [fn] = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).filter((f) => f.Properties.FunctionName === functionName);
  assert.ok(fn, `no function ${functionName}`);
  const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
}

const actionsOf = (statement: { Action: string | string[] }) => [statement.Action].flat();
const text = (value: unknown) => JSON.stringify(value);

const config = parseConfig({
  homeRegion: 'eu-west-1',
  workerRegions: ['us-east-1', 'ap-southeast-2'],
  alarmEmail: 'ops@example.com',
  apiDomain: { domainName: 'vigil.example.com', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' },
});
const { stacks, home, workers } = synthesise(config);
const all = [home, ...workers.values()];

describe('stacks and regions', () => {
  test('one worker stack per configured region, the home region included and first', () => {
    assert.deepEqual([...stacks.workers.keys()], ['eu-west-1', 'us-east-1', 'ap-southeast-2']);
    for (const [region, stack] of stacks.workers) {
      assert.equal(stack.region, region);
      assert.equal(stack.stackName, `VigilWorker-${region}`);
      workers.get(region)!.hasResourceProperties('AWS::SQS::Queue', { QueueName: `vigil-checks-${region}` });
    }
    assert.equal(stacks.home.region, 'eu-west-1');
  });

  test('worker stacks are deployed after the home stack and share no references with it', () => {
    for (const stack of stacks.workers.values()) {
      assert.ok(stack.dependencies.includes(stacks.home));
      assert.doesNotMatch(text(Template.fromStack(stack).toJSON()), /Fn::ImportValue/);
    }
  });

  test('the scheduler knows every region\'s check queue URL by its deterministic name', () => {
    const [scheduler] = Object.values(resourcesOf(home, 'AWS::Lambda::Function')).filter((f) => f.Properties.FunctionName === 'vigil-scheduler');
    const urls = text(scheduler!.Properties.Environment.Variables.CHECK_QUEUE_URLS);
    for (const region of config.workerRegions) assert.match(urls, new RegExp(`https://sqs\\.${region}\\..*/vigil-checks-${region}`));
    assert.equal(scheduler!.Properties.Environment.Variables.HOME_REGION, 'eu-west-1');
  });

  test('workers send to the home region\'s results queue', () => {
    for (const template of workers.values()) {
      const [worker] = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).filter((f) => f.Properties.FunctionName === 'vigil-worker');
      assert.match(text(worker!.Properties.Environment.Variables.RESULTS_QUEUE_URL), /https:\/\/sqs\.eu-west-1\..*\/vigil-results"/);
    }
  });
});

describe('queues', () => {
  test('check queues redrive to their DLQ after three receives; retention is set', () => {
    for (const [region, template] of workers) {
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: `vigil-checks-${region}`,
        MessageRetentionPeriod: 86_400,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ChecksDeadLetters'), 'Arn'] }, maxReceiveCount: CHECK_QUEUE_MAX_RECEIVES },
      });
      template.hasResourceProperties('AWS::SQS::Queue', { QueueName: `vigil-checks-${region}-dlq`, MessageRetentionPeriod: 1_209_600 });
    }
  });

  test('the results queue redrives after five receives; the notifier queue has a DLQ too', () => {
    home.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'vigil-results',
      MessageRetentionPeriod: 4 * 86_400,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ResultsDeadLetters'), 'Arn'] }, maxReceiveCount: RESULTS_QUEUE_MAX_RECEIVES },
    });
    home.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'vigil-notifications', RedrivePolicy: Match.objectLike({ maxReceiveCount: Match.anyValue() }) });
  });

  test('every queue is a DLQ (-dlq, kept 14 days) or has one; all are encrypted and TLS-only', () => {
    for (const template of all) {
      const queues = resourcesOf(template, 'AWS::SQS::Queue');
      for (const queue of Object.values(queues)) {
        const name = queue.Properties.QueueName as string;
        if (name.endsWith('-dlq')) assert.equal(queue.Properties.MessageRetentionPeriod, 1_209_600, name);
        else assert.ok(queue.Properties.RedrivePolicy, `${name} has no redrive policy`);
        assert.equal(queue.Properties.SqsManagedSseEnabled, true, name);
        assert.ok(queue.Properties.MessageRetentionPeriod, `${name} has no retention set`);
      }
      const policies = Object.values(resourcesOf(template, 'AWS::SQS::QueuePolicy'));
      assert.equal(policies.filter((p) => text(p).includes('"aws:SecureTransport":"false"')).length, Object.keys(queues).length);
    }
  });

  test('every consumed queue\'s visibility timeout is at least six times its function\'s timeout', () => {
    let mappings = 0;
    for (const template of all) {
      const queues = resourcesOf(template, 'AWS::SQS::Queue');
      const functions = resourcesOf(template, 'AWS::Lambda::Function');
      for (const mapping of Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping'))) {
        const queue = queues[mapping.Properties.EventSourceArn['Fn::GetAtt'][0] as string]!;
        const fn = functions[mapping.Properties.FunctionName.Ref as string]!;
        const timeoutS = fn.Properties.Timeout as number;
        assert.ok(
          queue.Properties.VisibilityTimeout >= VISIBILITY_TIMEOUTS_PER_FUNCTION_TIMEOUT * timeoutS,
          `${queue.Properties.QueueName}: visibility ${queue.Properties.VisibilityTimeout} s < 6 x ${fn.Properties.FunctionName}'s ${timeoutS} s`,
        );
        mappings++;
      }
    }
    // results and notifier in the home stack; worker and dead letters in each region.
    assert.equal(mappings, 2 + 2 * config.workerRegions.length);
  });
});

describe('functions', () => {
  test('every event source mapping reports batch item failures', () => {
    for (const template of all) {
      for (const mapping of Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping'))) {
        assert.deepEqual(mapping.Properties.FunctionResponseTypes, ['ReportBatchItemFailures']);
      }
    }
    for (const [region, template] of workers) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ChecksQueue'), 'Arn'] },
        FunctionName: { Ref: Match.stringLikeRegexp('^Worker') },
        BatchSize: 10,
      });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ChecksDeadLetters'), 'Arn'] },
        FunctionName: { Ref: Match.stringLikeRegexp('^DeadLetters') },
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: 'vigil-dead-letters',
        Environment: { Variables: Match.objectLike({ SOURCE_QUEUE_NAME: `vigil-checks-${region}`, SOURCE_MAX_RECEIVES: String(CHECK_QUEUE_MAX_RECEIVES) }) },
      });
    }
    home.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ResultsQueue'), 'Arn'] },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  test('Vigil\'s functions are the esbuild bundles on nodejs22.x, arm64, with a log group with retention', () => {
    for (const template of all) {
      const logGroups = resourcesOf(template, 'AWS::Logs::LogGroup');
      for (const fn of Object.values(resourcesOf(template, 'AWS::Lambda::Function'))) {
        if (!fn.Properties.FunctionName) continue; // CDK's own trigger provider
        assert.equal(fn.Properties.Runtime, 'nodejs22.x');
        assert.deepEqual(fn.Properties.Architectures, ['arm64']);
        assert.equal(fn.Properties.Handler, 'index.handler');
        const group = logGroups[fn.Properties.LoggingConfig.LogGroup.Ref as string];
        assert.equal(group?.Properties.RetentionInDays, 30, fn.Properties.FunctionName);
      }
    }
  });

  test('the scheduler runs on EventBridge rate(1 minute)', () => {
    home.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulerFunction'), 'Arn'] }, RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 2 } })],
    });
  });

  test('migrations run on deploy, after the database, before the functions that use the schema', () => {
    const triggers = resourcesOf(home, 'Custom::Trigger');
    const [[triggerId, trigger]] = Object.entries(triggers) as [[string, Resource]];
    assert.equal(trigger.Properties.InvocationType, 'RequestResponse');
    assert.equal(trigger.Properties.ExecuteOnHandlerChange, true);
    assert.ok(trigger.DependsOn?.some((id) => id.startsWith('Databasewriter')), 'waits for the database instance');
    for (const [id, fn] of Object.entries(resourcesOf(home, 'AWS::Lambda::Function'))) {
      if (['vigil-scheduler', 'vigil-results', 'vigil-notifier', 'vigil-api', 'vigil-websocket'].includes(fn.Properties.FunctionName)) {
        assert.ok(fn.DependsOn?.includes(triggerId), `${id} does not wait for the migrations`);
      }
    }
  });

  test('hard state changes go from the event bus to the notifier queue', () => {
    home.hasResourceProperties('AWS::Events::EventBus', { Name: 'vigil' });
    home.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('^Bus') },
      EventPattern: { source: ['vigil'], 'detail-type': ['CheckStateChanged'] },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotificationsQueue'), 'Arn'] } })],
    });
  });

  test('the notifier consumes the notifier queue, sends itself wake-ups on it, and sweeps every minute', () => {
    const notifier = Object.entries(resourcesOf(home, 'AWS::Lambda::Function')).find(([, fn]) => fn.Properties.FunctionName === 'vigil-notifier');
    assert.ok(notifier, 'the notifier function is deployed');
    const [notifierId, fn] = notifier;
    assert.match(JSON.stringify(fn.Properties.Environment.Variables.NOTIFIER_QUEUE_URL), /NotificationsQueue/);
    home.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: notifierId },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotificationsQueue'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    home.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [notifierId, 'Arn'] } })],
    });
  });
});

describe('APIs', () => {
  test('the WebSocket API routes $connect, $disconnect, $default, subscribe and unsubscribe to the websocket function', () => {
    home.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' });
    const routes = Object.values(resourcesOf(home, 'AWS::ApiGatewayV2::Route')).map((route) => route.Properties.RouteKey as string);
    assert.deepEqual(routes.sort(), ['$connect', '$default', '$disconnect', 'subscribe', 'unsubscribe']);
    const twoWay = Object.values(resourcesOf(home, 'AWS::ApiGatewayV2::Route')).filter((route) => route.Properties.RouteResponseSelectionExpression === '$default');
    assert.deepEqual(twoWay.map((route) => route.Properties.RouteKey).sort(), ['$default', 'subscribe', 'unsubscribe']);
    const integrations = Object.values(resourcesOf(home, 'AWS::ApiGatewayV2::Integration'));
    assert.equal(integrations.length, 1, 'one integration shared by every route');
    assert.equal(integrations[0]!.Properties.IntegrationType, 'AWS_PROXY');
    assert.match(text(integrations[0]!.Properties.IntegrationUri), /WebSocketFunction/);
    home.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: 'live', AutoDeploy: true });
  });

  test('the REST API proxies every path to the api function', () => {
    home.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'vigil-api' });
    home.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'ANY', Integration: Match.objectLike({ Type: 'AWS_PROXY' }) });
    home.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'v1' });
    home.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  test('with a custom domain the API and dashboard are mapped at its root', () => {
    home.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'vigil.example.com',
      RegionalCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
    });
    const [mapping] = Object.values(resourcesOf(home, 'AWS::ApiGateway::BasePathMapping'));
    assert.equal(mapping?.Properties.BasePath, undefined);
    assert.ok(home.toJSON().Outputs.ApiDomainTarget);
  });

  test('the result processor and the API are told the @connections endpoint and may post to it only', () => {
    for (const name of ['vigil-results', 'vigil-api']) {
      home.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: name,
        Environment: { Variables: Match.objectLike({ WEBSOCKET_MANAGEMENT_ENDPOINT: Match.anyValue() }) },
      });
      const manage = statementsOfFunction(home, name).filter((statement) => actionsOf(statement).includes('execute-api:ManageConnections'));
      assert.equal(manage.length, 1, name);
      assert.match(text(manage[0]!.Resource), /\/live\/\*\/@connections\/\*"/);
    }
  });
});

describe('least privilege', () => {
  test('no inline policy statement allows every resource', () => {
    for (const template of all) {
      for (const { id, statement } of statementsOf(template)) {
        assert.ok(![statement.Resource].flat().includes('*'), `${id}: ${text(statement.Action)} on '*'`);
      }
    }
  });

  test('workers may send to the home results queue only, and write only their own log group', () => {
    for (const template of workers.values()) {
      for (const name of ['vigil-worker', 'vigil-dead-letters']) {
        const statements = statementsOfFunction(template, name);
        const sends = statements.filter((statement) => actionsOf(statement).includes('sqs:SendMessage'));
        assert.equal(sends.length, 1, name);
        assert.match(text(sends[0]!.Resource), /":sqs:eu-west-1:",\{"Ref":"AWS::AccountId"\},":vigil-results"/);
        const logs = statements.filter((statement) => actionsOf(statement).some((action) => action.startsWith('logs:')));
        assert.equal(logs.length, 1, name);
        const [groupId, attribute] = (logs[0]!.Resource as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
        assert.equal(attribute, 'Arn');
        assert.equal(resourcesOf(template, 'AWS::Logs::LogGroup')[groupId]?.Type, 'AWS::Logs::LogGroup');
      }
    }
  });

  test('the scheduler may send to each region\'s check queue and the results queue, by ARN', () => {
    const sends = statementsOfFunction(home, 'vigil-scheduler').filter((statement) => actionsOf(statement).includes('sqs:SendMessage'));
    const resources = text(sends.map((statement) => statement.Resource));
    for (const region of config.workerRegions) assert.match(resources, new RegExp(`:sqs:${region}:",\\{"Ref":"AWS::AccountId"\\},":vigil-checks-${region}"`));
    assert.match(resources, /"Fn::GetAtt":\["ResultsQueue[0-9A-F]+","Arn"\]/);
  });

  test('the database secret is readable only by the functions that use the database', () => {
    const readers = new Set<string>();
    for (const name of ['vigil-migrate', 'vigil-scheduler', 'vigil-results', 'vigil-api', 'vigil-websocket']) {
      const reads = statementsOfFunction(home, name).filter((statement) => actionsOf(statement).includes('secretsmanager:GetSecretValue'));
      assert.ok(reads.length >= 1, name);
      readers.add(name);
    }
    for (const template of workers.values()) {
      assert.doesNotMatch(text(statementsOf(template)), /secretsmanager/);
    }
    assert.equal(readers.size, 5);
  });

  test('the session signing key is readable by the API and WebSocket functions only; the template holds a reference, not the key', () => {
    const readers = ['vigil-migrate', 'vigil-scheduler', 'vigil-results', 'vigil-api', 'vigil-websocket'].filter((name) =>
      statementsOfFunction(home, name).some((statement) => actionsOf(statement).includes('secretsmanager:GetSecretValue') && /SessionSigningKey/.test(text(statement.Resource))),
    );
    assert.deepEqual(readers, ['vigil-api', 'vigil-websocket']);
    for (const name of ['vigil-api', 'vigil-websocket']) {
      home.hasResourceProperties('AWS::Lambda::Function', { FunctionName: name, Environment: { Variables: Match.objectLike({ JWT_SECRET_ARN: { Ref: Match.stringLikeRegexp('^SessionSigningKey') } }) } });
    }
    const [websocket] = Object.values(resourcesOf(home, 'AWS::Lambda::Function')).filter((f) => f.Properties.FunctionName === 'vigil-websocket');
    const inline = websocket!.Properties.Environment.Variables.JWT_SECRET;
    if (inline !== undefined) assert.match(text(inline), /\{\{resolve:secretsmanager:/);
  });

  test('the result processor may put events on Vigil\'s bus only', () => {
    const puts = statementsOfFunction(home, 'vigil-results').filter((statement) => actionsOf(statement).includes('events:PutEvents'));
    const [busId] = Object.keys(resourcesOf(home, 'AWS::Events::EventBus'));
    assert.deepEqual(puts.map((statement) => statement.Resource), [{ 'Fn::GetAtt': [busId, 'Arn'] }]);
  });
});

describe('alarms', () => {
  test('on every DLQ\'s depth, every function\'s errors and the results queue\'s age, to the alarm topic', () => {
    for (const template of all) {
      const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'));
      const dlqs = Object.values(resourcesOf(template, 'AWS::SQS::Queue')).filter((queue) => (queue.Properties.QueueName as string).endsWith('-dlq'));
      const depth = alarms.filter((alarm) => alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible');
      assert.equal(depth.length, dlqs.length);
      const functions = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).filter((fn) => fn.Properties.FunctionName);
      assert.equal(alarms.filter((alarm) => alarm.Properties.MetricName === 'Errors').length, functions.length);
      for (const alarm of alarms) assert.equal(alarm.Properties.AlarmActions?.length, 1, alarm.Properties.AlarmName);
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    }
    home.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('ResultsQueue'), 'QueueName'] } }],
      Threshold: 120,
    });
  });
});

describe('a database the team brings', () => {
  const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:vigil/database-AbCdEf';
  const brought = synthesise(parseConfig({ homeRegion: 'eu-west-1', database: { kind: 'secret', secretArn } }), ['scheduler', 'worker', 'results', 'dead-letters', 'migrate']);

  test('no VPC or cluster; every database function reads exactly that secret', () => {
    brought.home.resourceCountIs('AWS::RDS::DBCluster', 0);
    brought.home.resourceCountIs('AWS::EC2::VPC', 0);
    for (const name of ['vigil-migrate', 'vigil-scheduler', 'vigil-results']) {
      brought.home.hasResourceProperties('AWS::Lambda::Function', { FunctionName: name, Environment: { Variables: Match.objectLike({ DATABASE_SECRET_ARN: secretArn }) } });
      const reads = statementsOfFunction(brought.home, name).filter((statement) => actionsOf(statement).includes('secretsmanager:GetSecretValue'));
      assert.deepEqual(reads.map((statement) => statement.Resource), [secretArn]);
    }
    assert.deepEqual([...brought.stacks.workers.keys()], ['eu-west-1']);
  });

  test('without the api and websocket bundles the APIs are left out, with a warning saying so', () => {
    brought.home.resourceCountIs('AWS::ApiGateway::RestApi', 0);
    brought.home.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    brought.home.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const warnings = Annotations.fromStack(brought.stacks.home).findWarning('*', Match.stringLikeRegexp('not bundled'));
    assert.equal(warnings.length, 2);
  });
});

describe('SAM', () => {
  test('the SAM copy of a template gives every function local values it can run with, and nothing to resolve', () => {
    const local = localEnvironment({});
    for (const template of all) {
      const sam = samTemplate(template.toJSON() as Parameters<typeof samTemplate>[0], config, local);
      for (const resource of Object.values(sam.Resources)) {
        if (resource.Type !== 'AWS::Lambda::Function' || !resource.Properties.FunctionName) continue;
        const variables = resource.Properties.Environment.Variables as Record<string, unknown>;
        assert.ok(Object.values(variables).every((value) => typeof value === 'string'), `${resource.Properties.FunctionName}: ${text(variables)}`);
        assert.equal(variables.AWS_ENDPOINT_URL, 'http://host.docker.internal:4566');
        if ('DATABASE_SECRET_ARN' in variables) assert.deepEqual([variables.DATABASE_SECRET_ARN, variables.DATABASE_URL], ['', 'postgres://vigil:vigil@host.docker.internal:5433/vigil']);
        assert.equal(resource.Properties.VpcConfig, undefined);
      }
    }
    const sam = samTemplate(home.toJSON() as Parameters<typeof samTemplate>[0], config, local);
    const [scheduler] = Object.values(sam.Resources).filter((r) => r.Properties.FunctionName === 'vigil-scheduler');
    assert.deepEqual(Object.keys(JSON.parse(scheduler!.Properties.Environment.Variables.CHECK_QUEUE_URLS as string)), config.workerRegions);
  });
});
