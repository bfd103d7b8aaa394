import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Engine, EngineCheck } from '#engines/engine.ts';
import { BlockedAddressError, isBlockedAddress, resolveTarget } from '#engines/network-policy.ts';
import { CheckParameters, ParameterError } from '#engines/parameters.ts';
import { MAX_OUTPUT_CHARS, redact, runCheck } from '#engines/run-check.ts';

const CHECK: EngineCheck = {
  checkId: 'c1',
  siteId: 's1',
  name: 'probe',
  command: { name: 'probe', engine: 'test' },
  network: { allowMetadataAddresses: false },
};

/** An engine whose behaviour each test writes. */
function engine(run: Engine['run'], parameters: Engine['parameters'] = []): Engine {
  return { name: 'test', parameters, run };
}

describe('runCheck', () => {
  test('passes the engine its parameters, with the engine defaults filled in', async () => {
    const probe = engine(async (_check, parameters) => ({
      status: 'OK',
      output: `port ${parameters.integer('port')} path ${parameters.string('path')}`,
      readings: [],
    }), [{ name: 'path', type: 'string', default: '/', description: 'path' }]);
    const result = await runCheck(probe, CHECK, { port: '8080' }, [], { timeoutMs: 1_000 });
    assert.equal(result.status, 'OK');
    assert.equal(result.output, 'port 8080 path /');
    assert.ok(result.durationMs >= 0 && result.startedAtMs > 0);
  });

  test('an engine that ignores its deadline still gives TIMEOUT, and its signal is aborted', async () => {
    let aborted = false;
    const stuck = engine((_check, _parameters, deadline) => {
      deadline.signal.addEventListener('abort', () => (aborted = true));
      return new Promise(() => {});
    });
    const result = await runCheck(stuck, CHECK, {}, [], { timeoutMs: 50 });
    assert.equal(result.status, 'TIMEOUT');
    assert.match(result.output, /did not finish within 50ms/);
    assert.ok(aborted);
  });

  test('an engine that throws gives ERROR with the reason; a bad parameter names the parameter', async () => {
    const thrower = engine(async () => {
      throw new Error('socket exploded');
    });
    assert.deepEqual(
      { ...(await runCheck(thrower, CHECK, {}, [], { timeoutMs: 1_000 })), startedAtMs: 0, durationMs: 0 },
      { status: 'ERROR', output: 'Check failed: socket exploded', readings: [], startedAtMs: 0, durationMs: 0 },
    );
    const strict = engine(async (_check, parameters) => ({ status: 'OK', output: String(parameters.integer('port')), readings: [] }));
    const result = await runCheck(strict, CHECK, { port: 'eighty' }, [], { timeoutMs: 1_000 });
    assert.equal(result.status, 'ERROR');
    assert.equal(result.output, "Bad configuration: parameter 'port': expected a whole number, got 'eighty'");
  });

  test('secret values never leave in outputs or reading names, and outputs are capped', async () => {
    const leaky = engine(async () => ({
      status: 'CRITICAL',
      output: `login as admin:hunter22 refused ${'x'.repeat(5_000)}`,
      longOutput: 'token=hunter22',
      readings: [{ name: 'hunter22-latency', value: 1 }],
    }));
    const result = await runCheck(leaky, CHECK, { password: 'hunter22', user: 'admin' }, ['password'], { timeoutMs: 1_000 });
    assert.ok(!JSON.stringify(result).includes('hunter22'));
    assert.match(result.output, /^login as admin:\*{8} refused/);
    assert.equal(result.output.length, MAX_OUTPUT_CHARS);
    assert.equal(result.longOutput, 'token=********');
  });

  test('redact replaces longer secrets first and leaves very short ones alone', () => {
    assert.equal(redact('pw=abcdef', ['abc', 'abcdef']), 'pw=********');
    assert.equal(redact('a 1 b', ['1']), 'a 1 b');
  });

  test('an outer abort ends the check as TIMEOUT at once', async () => {
    const controller = new AbortController();
    const pending = runCheck(engine(() => new Promise(() => {})), CHECK, {}, [], { timeoutMs: 60_000, signal: controller.signal });
    controller.abort();
    assert.equal((await pending).status, 'TIMEOUT');
  });
});

describe('CheckParameters', () => {
  const parameters = new CheckParameters(
    { port: '443', ratio: '0.5', verify: 'no', timeout: '1500ms', codes: '200, 301,,302', empty: '', secret: 's3cret' },
    ['secret'],
  );

  test('typed getters', () => {
    assert.equal(parameters.integer('port'), 443);
    assert.equal(parameters.number('ratio'), 0.5);
    assert.equal(parameters.boolean('verify'), false);
    assert.equal(parameters.durationMs('timeout'), 1_500);
    assert.deepEqual(parameters.list('codes'), ['200', '301', '302']);
    assert.equal(parameters.optional('empty'), undefined);
    assert.equal(parameters.integer('missing', 7), 7);
    assert.deepEqual(parameters.secrets(), ['s3cret']);
  });

  test('missing and malformed values throw a ParameterError naming the parameter', () => {
    assert.throws(() => parameters.string('empty'), (error: unknown) => error instanceof ParameterError && error.parameter === 'empty');
    assert.throws(() => parameters.integer('ratio'), /parameter 'ratio': expected a whole number, got '0.5'/);
    assert.throws(() => parameters.boolean('port'), /expected true or false/);
    assert.throws(() => parameters.durationMs('codes'), /expected a duration/);
  });
});

describe('network policy', () => {
  test('link-local and metadata addresses are blocked, ordinary ones are not', () => {
    for (const address of ['169.254.169.254', '169.254.0.1', 'fd00:ec2::254', 'FD00:EC2:0:0:0:0:0:254', 'fe80::1', '::ffff:169.254.169.254']) {
      assert.ok(isBlockedAddress(address), address);
    }
    for (const address of ['127.0.0.1', '10.0.0.1', '::1', 'fd00:ec2::253', '2001:db8::1', 'not-an-address']) {
      assert.ok(!isBlockedAddress(address), address);
    }
  });

  test('resolveTarget refuses blocked addresses unless the site allows them, and resolves names', async () => {
    await assert.rejects(resolveTarget('169.254.169.254', { allowMetadataAddresses: false }), BlockedAddressError);
    await assert.rejects(resolveTarget('[fd00:ec2::254]', { allowMetadataAddresses: false }), /refusing to connect to \[fd00:ec2::254\]/);
    assert.deepEqual(await resolveTarget('169.254.169.254', { allowMetadataAddresses: true }), { address: '169.254.169.254', family: 4 });
    const local = await resolveTarget('localhost', { allowMetadataAddresses: false });
    assert.ok(['127.0.0.1', '::1'].includes(local.address));
  });
});
