/**
 * The deployment configuration (infra/config.ts): defaults, the home region always among the
 * worker regions, and every problem of a bad file reported at once with its field. Also the
 * queue settings the stacks share with the local runtime.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, names, parseConfig } from '../../infra/config.ts';
import * as settings from '../../infra/settings.ts';
import { CHECK_QUEUE_MAX_RECEIVES, RESULTS_QUEUE_MAX_RECEIVES } from '#local/runtime.ts';

function problemsOf(input: unknown): string[] {
  try {
    parseConfig(input);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems.map((problem) => `${problem.field}: ${problem.message}`);
  }
  assert.fail('expected problems');
}

test('defaults: an Aurora Serverless v2 database, 30 days of logs, the home region as the only worker region', () => {
  const config = parseConfig({ homeRegion: 'eu-west-1' });
  assert.deepEqual(config, {
    name: 'vigil',
    homeRegion: 'eu-west-1',
    workerRegions: ['eu-west-1'],
    database: { kind: 'aurora-serverless-v2', minCapacityAcu: 0.5, maxCapacityAcu: 4, natGateways: 1, retain: true },
    logRetentionDays: 30,
    databaseTls: 'require',
    worker: { memoryMb: 1024, timeoutS: 90, concurrency: 50, batchSize: 10 },
    results: { batchSize: 100, maxBatchingWindowS: 1, maxConcurrency: 5 },
    notifications: { sms: false },
  });
});

test('the home region is added to the worker regions, first, when it is not listed', () => {
  assert.deepEqual(parseConfig({ homeRegion: 'eu-west-1', workerRegions: ['us-east-1'] }).workerRegions, ['eu-west-1', 'us-east-1']);
  assert.deepEqual(parseConfig({ homeRegion: 'eu-west-1', workerRegions: ['us-east-1', 'eu-west-1'] }).workerRegions, ['us-east-1', 'eu-west-1']);
});

test('every problem is reported at once, each with its field', () => {
  assert.deepEqual(
    problemsOf({
      name: 'Vigil!',
      workerRegions: ['us-east-1', 'mars-1', 'us-east-1'],
      database: { kind: 'secret', secretArn: 'vigil/database' },
      logRetentionDays: 10,
      worker: { timeoutS: 1000, batchSize: 11 },
      results: { batchSize: 500, maxBatchingWindowS: 0 },
      notifications: { mailFrom: 'alerts at example', sms: 'yes' },
      colour: 'blue',
    }),
    [
      "name: 'Vigil!' must be lowercase letters, digits and dashes, starting with a letter, at most 20 characters",
      'homeRegion: is required (e.g. "eu-west-1")',
      'workerRegions[1]: "mars-1" is not an AWS region name',
      "workerRegions[2]: 'us-east-1' is listed twice",
      "database.secretArn: must be a Secrets Manager secret's complete ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX)",
      "logRetentionDays: 10 is not one of CloudWatch Logs' retention periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)",
      'worker.timeoutS: must be a number from 10 to 900',
      'worker.batchSize: must be a number from 1 to 10',
      'results.maxBatchingWindowS: must be at least 1 when results.batchSize is above 10 (an SQS event source rule)',
      'notifications.sms: must be true or false',
      'notifications.mailFrom: must be an email address (alerts@example.com or Vigil <alerts@example.com>)',
      'colour: unknown setting (known: name, homeRegion, workerRegions, account, database, logRetentionDays, alarmEmail, apiDomain, databaseTls, worker, results, notifications)',
    ],
  );
});

test.describe('database', () => {
  const cases: { input: unknown; problem: string }[] = [
    { input: { kind: 'mysql' }, problem: "database.kind: \"mysql\" is neither 'aurora-serverless-v2' (Vigil creates the database) nor 'secret' (you bring one)" },
    { input: { minCapacityAcu: 8, maxCapacityAcu: 4 }, problem: 'database.minCapacityAcu: 8 is above maxCapacityAcu (4)' },
    { input: { minCapacityAcu: 0.25 }, problem: 'database: capacities go in steps of 0.5 ACU' },
    {
      input: { kind: 'secret', secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf' },
      problem: 'database.secretArn: is in us-east-1, not in the home region eu-west-1',
    },
    {
      input: { kind: 'secret', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf', network: { vpcId: 'vpc-1' } },
      problem: 'database.network: needs vpcId and non-empty lists availabilityZones, privateSubnetIds and securityGroupIds',
    },
  ];
  for (const { input, problem } of cases) {
    test(problem, () => assert.deepEqual(problemsOf({ homeRegion: 'eu-west-1', database: input }), [problem]));
  }

  test('a brought secret, with the network its clients run in', () => {
    const network = { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-1'], securityGroupIds: ['sg-1'] };
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf';
    assert.deepEqual(parseConfig({ homeRegion: 'eu-west-1', database: { kind: 'secret', secretArn, network } }).database, { kind: 'secret', secretArn, network });
  });
});

test('a custom domain for the API needs a certificate in the home region', () => {
  const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';
  assert.deepEqual(problemsOf({ homeRegion: 'eu-west-1', apiDomain: { domainName: 'vigil.example.com', certificateArn } }), [
    'apiDomain.certificateArn: is in us-east-1, not in the home region eu-west-1 (a regional API needs a certificate in its own region)',
  ]);
  const domain = { domainName: 'vigil.example.com', certificateArn: certificateArn.replace('us-east-1', 'eu-west-1') };
  assert.deepEqual(parseConfig({ homeRegion: 'eu-west-1', apiDomain: domain }).apiDomain, domain);
});

test('loadConfig names the file, and the checked-in example is valid', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
  try {
    writeFileSync(join(dir, 'bad.json'), '{ "homeRegion": ');
    assert.throws(() => loadConfig(join(dir, 'bad.json')), (error: ConfigError) => error.message.startsWith(`${join(dir, 'bad.json')}: 1 problem`) && /is not JSON/.test(error.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const example = loadConfig(new URL('../../infra/vigil.config.json', import.meta.url).pathname);
  assert.equal(example.homeRegion, 'eu-west-1');
});

test('the LocalStack deployment is valid once deploy.ts adds its database secret', async () => {
  const base = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(new URL('../../localstack/vigil.localstack.json', import.meta.url), 'utf8'))) as Record<string, unknown>;
  const config = parseConfig({ ...base, database: { kind: 'secret', secretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:vigil/localstack-database-AbCdEf' } });
  assert.deepEqual([config.account, config.homeRegion, config.workerRegions, config.databaseTls], ['000000000000', 'us-east-1', ['us-east-1', 'eu-west-1'], 'disable']);
});

test('deterministic names: what the stacks in other regions rely on', () => {
  const config = { name: 'vigil' };
  assert.equal(names.checkQueue(config, 'us-east-1'), 'vigil-checks-us-east-1');
  assert.equal(names.checkDeadLetterQueue(config, 'us-east-1'), 'vigil-checks-us-east-1-dlq');
  assert.equal(names.resultsQueue(config), 'vigil-results');
  assert.equal(names.homeStack({ name: 'vigil-staging' }), 'VigilStagingHome');
  assert.equal(names.workerStack(config, 'us-east-1'), 'VigilWorker-us-east-1');
});

test('queue settings are the local runtime\'s', () => {
  assert.equal(settings.CHECK_QUEUE_MAX_RECEIVES, CHECK_QUEUE_MAX_RECEIVES);
  assert.equal(settings.RESULTS_QUEUE_MAX_RECEIVES, RESULTS_QUEUE_MAX_RECEIVES);
});
