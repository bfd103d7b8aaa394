import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { CheckResult } from '#engines/engine.ts';
import { createScriptEngine, isScriptedCommand } from '#engines/script/script-engine.ts';
import { closedPort, closeServer, listenOnLoopback } from '../helpers/loopback.ts';
import { runEngine } from '../helpers/engine-check.ts';
import { createTestPki, type TestPki } from '../helpers/tls-fixtures.ts';

const engine = createScriptEngine();

/** Runs `script` as the <script> of an http command with executor="script". */
function runScript(script: string, parameters: Record<string, string> = {}, options: { timeoutMs?: number; secretNames?: string[]; engine?: string } = {}): Promise<CheckResult> {
  return runEngine(engine, parameters, {
    timeoutMs: options.timeoutMs ?? 5_000,
    secretNames: options.secretNames ?? [],
    check: { command: { name: 'scripted', engine: options.engine ?? 'http', script } },
  });
}

/** A script that calls `GET path` on the test server and hands the response to `onResponse`. */
function httpScript(path: string, onResponse: string, setup = ''): string {
  return `http.check().connect(check.getParameter('host')).port(check.getIntParameter('port'))${setup}.get('${path}')
    .execute(function (r) { ${onResponse} }, function (e) { bergamot.error(e); });`;
}

before(() => engine.start());
after(() => engine.close());

describe('script engine: routing', () => {
  test('commands with executor="script" (or engine="script") run in the script engine', () => {
    assert.equal(isScriptedCommand({ engine: 'http', executor: 'script' }), true);
    assert.equal(isScriptedCommand({ engine: 'http', executor: 'SCRIPT' }), true);
    assert.equal(isScriptedCommand({ engine: 'script' }), true);
    assert.equal(isScriptedCommand({ engine: 'http' }), false);
    assert.equal(isScriptedCommand({ engine: 'http', executor: 'certificate' }), false);
  });

  test('a scripted check of an engine Vigil has no objects for is an ERROR that names the object', async () => {
    const jdbc = await runScript("jdbc.connect('jdbc:postgresql://db/x', 'u', 'p', function () {})", {}, { engine: 'jdbc' });
    assert.equal(jdbc.status, 'ERROR');
    assert.match(jdbc.output, /script uses `jdbc` .*which this engine does not provide/);
    const snmp = await runScript("agent.getValue('1.3.6.1.2.1.1.3.0', function () {})", {}, { engine: 'snmp' });
    assert.match(snmp.output, /script uses `agent`/);
    // The same object used from an http script is named too, not left as a bare ReferenceError.
    const fromHttp = await runScript("jmx.connect('h', 1, 'u', 'p', function () {})");
    assert.equal(fromHttp.status, 'ERROR');
    assert.match(fromHttp.output, /script uses `jmx`, which this engine does not provide/);
  });

  test('a command without a script is an ERROR, and the old script parameter still works', async () => {
    const none = await runScript('   ');
    assert.equal(none.status, 'ERROR');
    assert.match(none.output, /has no <script>/);
    const result = await runEngine(engine, { script: "bergamot.ok('from the parameter')" }, { check: { command: { name: 'old', engine: 'http' } } });
    assert.equal(result.status, 'OK');
    assert.equal(result.output, 'from the parameter');
  });
});

describe('script engine: parameters', () => {
  const parameters = { host: 'db.example', port: '5432', rate: '2.5', flag: 'yes', off: 'no', percent: '80', list: 'a, b,,c ' };

  test('typed getters read parameters as Bergamot does, defaults where given', async () => {
    const script = `bergamot.ok(JSON.stringify([
      check.getParameter('host'), check.getParameter('missing'), check.getParameter('missing', 'dflt'),
      check.getIntParameter('port'), check.getLongParameter('port'), check.getIntParameter('missing', 7),
      check.getDoubleParameter('rate'), check.getFloatParameter('missing', 1.5), check.getPercentParameter('percent'),
      check.getBooleanParameter('flag'), check.getBooleanParameter('off'), check.getBooleanParameter('missing'), check.getBooleanParameter('missing', true),
      check.containsParameter('host'), check.containsParameter('missing'), check.getParameterCSV('list'),
      bergamot.check === check, bergamot.getCheck() === check
    ]))`;
    const result = await runScript(script, parameters);
    assert.equal(result.status, 'OK', result.output);
    assert.deepEqual(JSON.parse(result.output), ['db.example', null, 'dflt', 5432, 5432, 7, 2.5, 1.5, 0.8, true, false, false, true, true, false, ['a', 'b', 'c'], true, true]);
  });

  const failures: [string, string, RegExp][] = [
    ['bergamot.require names the missing parameter', "bergamot.require('host'); bergamot.require('username'); bergamot.ok('x')", /^Bad configuration: parameter 'username' is required by the script but not set$/],
    ['a number parameter that is not a number', "bergamot.ok('' + check.getIntParameter('host'))", /^Bad configuration: parameter 'host': expected a whole number, got 'db.example'$/],
    ['a decimal where a whole number is wanted', "bergamot.ok('' + check.getLongParameter('rate'))", /^Bad configuration: parameter 'rate': expected a whole number, got '2.5'$/],
    ['an unset number without a default (Bergamot would give -1)', "bergamot.ok('' + check.getIntParameter('warning'))", /^Bad configuration: parameter 'warning' is not set/],
  ];
  for (const [name, script, expected] of failures) {
    test(`${name}: ERROR`, async () => {
      const result = await runScript(script, parameters);
      assert.equal(result.status, 'ERROR');
      assert.match(result.output, expected);
    });
  }
});

describe('script engine: results and readings', () => {
  // Bergamot's ResultMO: critical first, then warning, with strict comparisons.
  const thresholds: [string, string][] = [
    ['bergamot.createResult().applyGreaterThanThreshold(20, 20, 50, "m")', 'OK'],
    ['bergamot.createResult().applyGreaterThanThreshold(21, 20, 50, "m")', 'WARNING'],
    ['bergamot.createResult().applyGreaterThanThreshold(50, 20, 50, "m")', 'WARNING'],
    ['bergamot.createResult().applyGreaterThanThreshold(51, 20, 50, "m")', 'CRITICAL'],
    ['bergamot.createResult().applyGreaterThanThreshold(new java.lang.Integer("60"), 20, 50, "m")', 'CRITICAL'],
    ['bergamot.createResult().applyGreaterThanThreshold(60, null, null, "m")', 'OK'],
    ['bergamot.createResult().applyLessThanThreshold(1, 1, 1, "m")', 'OK'],
    ['bergamot.createResult().applyLessThanThreshold(0, 1, 1, "m")', 'CRITICAL'],
    ['bergamot.createResult().applyLessThanThreshold(4, 5, 2, "m")', 'WARNING'],
    ['bergamot.createResult().applyGreaterThanThresholds([1, 30, 2], 20, 50, "m")', 'WARNING'],
    ['bergamot.createResult().applyRange(5, [2, 8], [1, 9], "m")', 'OK'],
    ['bergamot.createResult().applyRange(1.5, [2, 8], [1, 9], "m")', 'WARNING'],
    ['bergamot.createResult().applyRange(10, [2, 8], [1, 9], "m")', 'CRITICAL'],
    ['bergamot.createResult().applyThreshold("b", function (v, t) { return v === t; }, "b", "c", "m")', 'WARNING'],
    ['bergamot.createResult().info("m")', 'INFO'],
    ['bergamot.createResult().unknown("m")', 'UNKNOWN'],
  ];
  for (const [expression, status] of thresholds) {
    test(`${expression} -> ${status}`, async () => {
      const result = await runScript(`bergamot.publish(${expression});`);
      assert.equal(result.status, status);
      assert.equal(result.output, 'm');
    });
  }

  test('shortcuts publish at once; the last result published is the one kept', async () => {
    const shortcuts = ['ok', 'warning', 'critical', 'unknown', 'info', 'error'] as const;
    for (const method of shortcuts) {
      const result = await runScript(`bergamot.${method}('said ${method}')`);
      assert.equal(result.status, method.toUpperCase());
      assert.equal(result.output, `said ${method}`);
    }
    const last = await runScript("bergamot.ok('fine'); bergamot.applyGreaterThanThreshold(9, 5, 8, 'too many')");
    assert.deepEqual([last.status, last.output], ['CRITICAL', 'too many']);
    const fromError = await runScript("bergamot.error(new Error('database on fire'))");
    assert.deepEqual([fromError.status, fromError.output], ['ERROR', 'database on fire']);
  });

  test('a threshold over a value that is not a number is an ERROR, not an OK', async () => {
    // RabbitMQ leaves message_stats out for an idle exchange: a script reading it gets undefined.
    const result = await runScript("bergamot.publish(bergamot.createResult().applyGreaterThanThreshold(undefined, 20, 50, 'rate'))");
    assert.equal(result.status, 'ERROR');
    assert.match(result.output, /^Script error at line 1: TypeError: applyGreaterThanThreshold: the value is not a number \(got undefined\)$/);
  });

  test('gauge readings: names, units, thresholds; long gauges truncate; a reading with no number is left out and said so', async () => {
    const script = `bergamot.ok('measured');
      bergamot.publishReadings(
        bergamot.createLongGaugeReading('connections', null, 12.9, 20, 50, null, null),
        bergamot.createDoubleGaugeReading('rate', '1/s', 2.5, 10.5, 20.25, 0, 100),
        bergamot.createIntegerGaugeReading('slaves', null, new java.lang.Integer(3)),
        bergamot.createLongGaugeReading('sessions_limit', null, parseInt(''))
      );
      bergamot.publishReadings([bergamot.createFloatGaugeReading('rate', '1/s', 3.5)]);`;
    const result = await runScript(script);
    assert.equal(result.status, 'OK');
    assert.deepEqual(result.readings, [
      { name: 'connections', value: 12, warning: 20, critical: 50 },
      { name: 'slaves', value: 3 },
      { name: 'rate', value: 3.5, unit: '1/s' },
    ]);
    assert.equal(result.longOutput, "reading 'sessions_limit' left out: its value is not a number");
  });
});

describe('script engine: http.check()', () => {
  let server: http.Server;
  let port: number;
  let slowAnswers = 0;
  let pki: TestPki;
  let tlsServer: https.Server;
  let tlsPort: number;

  before(async () => {
    server = http.createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        const url = request.url ?? '/';
        if (url === '/hang') return;
        if (url === '/big') return response.end('x'.repeat(2 * 1024 * 1024));
        if (url === '/slow') {
          slowAnswers++;
          return void setTimeout(() => response.end('{"slow":true}'), 600);
        }
        if (url === '/broken') {
          response.writeHead(500, { 'content-type': 'text/plain', 'x-reason': 'disk full' });
          return response.end('internal error');
        }
        response.writeHead(200, { 'content-type': 'application/json', 'x-served-by': 'test' });
        response.end(JSON.stringify({ method: request.method, url, host: request.headers.host, authorization: request.headers.authorization, type: request.headers['content-type'], custom: request.headers['x-custom'], body }));
      });
    });
    port = await listenOnLoopback(server);
    pki = await createTestPki();
    tlsServer = https.createServer(pki.selfSigned, (_request, response) => response.end('{"secure":true}'));
    tlsPort = await listenOnLoopback(tlsServer);
  });
  after(async () => {
    await closeServer(server);
    await closeServer(tlsServer);
    await pki.remove();
  });

  const target = () => ({ host: '127.0.0.1', port: String(port), username: 'monitor', password: 'hunter22' });

  test('builds the request: method, path, virtual host, headers, basic auth, JSON content', async () => {
    const script = `http.check().connect(check.getParameter('host'), check.getIntParameter('port')).host('api.example')
      .post('/api/items?x=1').contentJSON({ name: 'a' }).header('X-Custom', 'yes')
      .basicAuth(check.getParameter('username'), check.getParameter('password'))
      .execute(function (r) { bergamot.ok(r.status() + ' ' + r.header('X-SERVED-BY') + ' ' + r.header('missing') + ' ' + r.content()); });`;
    const result = await runScript(script, target());
    assert.equal(result.status, 'OK', result.output);
    const [status, servedBy, missing, ...json] = result.output.split(' ');
    assert.deepEqual([status, servedBy, missing], ['200', 'test', 'null']);
    assert.deepEqual(JSON.parse(json.join(' ')), {
      method: 'POST',
      url: '/api/items?x=1',
      host: `api.example:${port}`,
      authorization: `Basic ${Buffer.from('monitor:hunter22').toString('base64')}`,
      type: 'application/json',
      custom: 'yes',
      body: '{"name":"a"}',
    });
  });

  test('a full URL in get() sets scheme, host and port', async () => {
    const result = await runScript(`http.check().get('http://127.0.0.1:${port}/by-url').execute(function (r) { bergamot.ok(JSON.parse(r.content()).url); });`);
    assert.deepEqual([result.status, result.output], ['OK', '/by-url']);
  });

  test('the script sees error statuses and decides itself', async () => {
    const result = await runScript(httpScript('/broken', "bergamot.critical('API returned: ' + r.status() + ' (' + r.header('x-reason') + ')')"), target());
    assert.deepEqual([result.status, result.output], ['CRITICAL', 'API returned: 500 (disk full)']);
  });

  test('TLS: ssl() verifies certificates; permitInvalidCerts() accepts a self-signed one', async () => {
    const script = (extra: string) => `http.check().connect('127.0.0.1').port(${tlsPort}).ssl()${extra}.get('/')
      .execute(function (r) { bergamot.ok(r.content()); }, function (e) { bergamot.critical('failed: ' + e.message); });`;
    const verified = await runScript(script(''));
    assert.equal(verified.status, 'CRITICAL');
    assert.match(verified.output, /^failed: HTTP request to 127\.0\.0\.1:\d+ failed: TLS certificate of 127\.0\.0\.1:\d+ not accepted/);
    const permitted = await runScript(script('.permitInvalidCerts()'));
    assert.deepEqual([permitted.status, permitted.output], ['OK', '{"secure":true}']);
  });

  test('a refused connection reaches the error callback in words', async () => {
    const result = await runScript(httpScript('/', "bergamot.ok('unexpected')"), { host: '127.0.0.1', port: String(await closedPort()) });
    assert.equal(result.status, 'ERROR');
    assert.match(result.output, /^HTTP request to 127\.0\.0\.1:\d+ failed: connection refused by 127\.0\.0\.1:\d+$/);
  });

  test('without an error callback a failed request is an ERROR result', async () => {
    const result = await runScript(`http.check().connect('127.0.0.1').port(${await closedPort()}).get('/').execute(function (r) { bergamot.ok('no'); });`);
    assert.equal(result.status, 'ERROR');
    assert.match(result.output, /connection refused/);
  });

  test('the cloud metadata address is refused: the error callback says why', async () => {
    const result = await runScript(httpScript('/latest/meta-data/iam/', "bergamot.ok('leaked ' + r.content())"), { host: '169.254.169.254', port: '80' });
    assert.equal(result.status, 'ERROR');
    assert.match(result.output, /^refusing to connect to 169\.254\.169\.254: link-local and cloud metadata addresses are blocked/);
  });

  test('a response over 1 MiB is refused rather than cut short', async () => {
    const result = await runScript(httpScript('/big', "bergamot.ok('read ' + r.content().length)"), target());
    assert.equal(result.status, 'ERROR');
    assert.match(result.output, /response from http:\/\/127\.0\.0\.1:\d+\/big is larger than 1 MiB/);
  });

  test('at most 10 requests per run', async () => {
    const script = `for (var i = 0; i < 11; i++) http.check().connect('127.0.0.1').port(${port}).get('/n/' + i).execute(function () {});`;
    const result = await runScript(script);
    assert.equal(result.status, 'ERROR');
    assert.match(result.output, /^Script error at line 1: a script may make at most 10 HTTP requests per run$/);
  });

  test('requests in parallel all answer before the run ends; promises run too', async () => {
    const script = `var answers = [];
      ['/a', '/b', '/c'].forEach(function (path) {
        http.check().connect('127.0.0.1').port(${port}).get(path).execute(function (r) {
          answers.push(JSON.parse(r.content()).url);
          if (answers.length === 3) Promise.resolve(answers.sort().join(',')).then(function (all) { bergamot.ok(all); });
        });
      });`;
    const result = await runScript(script);
    assert.deepEqual([result.status, result.output], ['OK', '/a,/b,/c']);
  });

  test('a request with its own timeout fails in words', async () => {
    const result = await runScript(httpScript('/hang', "bergamot.ok('no')", '.timeout(200, 200)'), target());
    assert.equal(result.status, 'ERROR');
    assert.match(result.output, /^no answer from 127\.0\.0\.1:\d+ within 200 ms$/);
  });

  test('still waiting for HTTP at the deadline: TIMEOUT naming the request', async () => {
    const result = await runScript(httpScript('/hang', "bergamot.ok('no')"), target(), { timeoutMs: 800 });
    assert.equal(result.status, 'TIMEOUT');
    assert.match(result.output, /^script did not finish within 800ms: still waiting for GET http:\/\/127\.0\.0\.1:\d+\/hang$/);
  });

  test('secret parameter values never reach the output', async () => {
    const published = await runScript("bergamot.ok('logging in with ' + check.getParameter('password'))", target(), { secretNames: ['password'] });
    assert.equal(published.output, 'logging in with ********');
    const thrown = await runScript("throw new Error('bad password ' + check.getParameter('password'))", target(), { secretNames: ['password'] });
    assert.equal(thrown.output, 'Script error at line 1: bad password ********');
  });

  describe('when a script overruns, the others in its sandbox still run', () => {
    test('a script waiting for HTTP and one queued behind the overrunning script both finish', async () => {
      slowAnswers = 0;
      const waiting = runScript(httpScript('/slow', "bergamot.ok('slow answer: ' + r.content())"), target());
      while (slowAnswers === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const overrun = runScript("var big = JSON.stringify(Array.from({ length: 20000 }, function (_, i) { return { i: i }; })); while (true) JSON.parse(big);", {}, { timeoutMs: 1_000 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const queued = runScript("bergamot.ok('queued and done')");
      const [w, o, q] = await Promise.all([waiting, overrun, queued]);
      assert.equal(o.status, 'TIMEOUT');
      assert.deepEqual([w.status, w.output], ['OK', 'slow answer: {"slow":true}']);
      assert.equal(slowAnswers, 2, 'the waiting script ran again in the new sandbox');
      assert.deepEqual([q.status, q.output], ['OK', 'queued and done']);
    });
  });
});

describe('script engine: the sandbox', () => {
  test('no process, require, fetch, timers, WebAssembly or file system inside', async () => {
    const result = await runScript("bergamot.ok([typeof process, typeof require, typeof fetch, typeof setTimeout, typeof WebAssembly, typeof std, typeof os, typeof XMLHttpRequest].join(','))");
    assert.deepEqual([result.status, result.output], ['OK', Array(8).fill('undefined').join(',')]);
  });

  test('an endless loop is stopped: TIMEOUT that says so, and the next check runs', async () => {
    const result = await runScript('while (true) {}', {}, { timeoutMs: 1_000 });
    assert.equal(result.status, 'TIMEOUT');
    assert.equal(result.output, 'script was still running after 1s and was stopped (a loop that never ends?)');
    const next = await runScript("bergamot.ok('next')");
    assert.deepEqual([next.status, next.output], ['OK', 'next']);
  });

  test('a loop of slow built-ins is stopped by restarting the sandbox, near the deadline, and the next check runs', async () => {
    const startedAt = performance.now();
    const result = await runScript("var big = JSON.stringify(Array.from({ length: 50000 }, function (_, i) { return { id: i, name: 'item ' + i }; })); while (true) JSON.parse(big);", {}, { timeoutMs: 1_000 });
    const tookMs = performance.now() - startedAt;
    assert.equal(result.status, 'TIMEOUT');
    assert.ok(tookMs < 3_000, `finished ${Math.round(tookMs)} ms after starting`);
    const next = await runScript("bergamot.ok('next')");
    assert.deepEqual([next.status, next.output], ['OK', 'next']);
  });

  test('a memory bomb gets an ERROR about memory, and the next check runs', async () => {
    const result = await runScript("var a = []; while (true) a.push(new Array(1e6).join('x'));", {}, { timeoutMs: 10_000 });
    assert.equal(result.status, 'ERROR');
    assert.equal(result.output, 'script ran out of memory (a script may use 16 MiB)');
    const next = await runScript("bergamot.ok('next')");
    assert.deepEqual([next.status, next.output], ['OK', 'next']);
  });

  test('an uncaught exception is an ERROR with its message and line', async () => {
    const result = await runScript("var ok = true;\nthrow new Error('boom');");
    assert.equal(result.status, 'ERROR');
    assert.equal(result.output, 'Script error at line 2: boom');
    assert.match(result.longOutput ?? '', /at <eval> \(check\.js:2:/);
    const typeError = await runScript("var res = JSON.parse('{}');\nbergamot.ok('' + res.object_totals.connections);");
    assert.match(typeError.output, /^Script error at line 2: TypeError: cannot read property 'connections' of undefined$/);
  });

  test('a script that never publishes is an ERROR', async () => {
    const result = await runScript('var x = 1 + 1;');
    assert.equal(result.status, 'ERROR');
    assert.match(result.output, /^script finished without publishing a result/);
  });

  test('deep recursion is an ERROR, not a crash', async () => {
    const result = await runScript('function down(n) { return down(n + 1) + 1; }\ndown(0);');
    assert.equal(result.status, 'ERROR');
    assert.equal(result.output, 'Script error at line 1: stack overflow (recursion too deep)');
    const next = await runScript("bergamot.ok('next')");
    assert.equal(next.status, 'OK');
  });
});
