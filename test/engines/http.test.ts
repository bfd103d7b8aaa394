import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { httpEngine } from '#engines/http/http-engine.ts';
import { closedPort, closeServer, listenOnLoopback } from '../helpers/loopback.ts';
import { runEngine } from '../helpers/engine-check.ts';
import { createTestPki, type TestPki } from '../helpers/tls-fixtures.ts';

const JSON_DOCUMENT = { status: 'ok', queue: { depth: 42 }, items: [{ name: 'first' }, { name: 'last' }], healthy: true, 'odd.key': 'x' };
const TWO_MIB = 2 * 1024 * 1024;

/** The test site: one path per behaviour a check meets in the wild. */
function route(request: http.IncomingMessage, response: http.ServerResponse, body: string, port: number): void {
  const url = new URL(request.url ?? '/', 'http://test');
  const send = (status: number, text: string, headers: http.OutgoingHttpHeaders = {}) => {
    response.writeHead(status, { 'content-type': 'text/plain', ...headers });
    response.end(text);
  };
  const redirect = (status: number, location: string) => send(status, '', { location });
  const statusMatch = /^\/status\/(\d{3})$/.exec(url.pathname);
  const hopsMatch = /^\/redirect\/(\d+)$/.exec(url.pathname);
  if (url.pathname === '/ok') return send(200, 'hello world, ready');
  if (statusMatch) return send(Number(statusMatch[1]), `status ${statusMatch[1]}`);
  if (url.pathname === '/echo') {
    const echo = { method: request.method, path: url.pathname, host: request.headers.host, headers: request.headers, body };
    return send(200, JSON.stringify(echo), { 'content-type': 'application/json' });
  }
  if (url.pathname === '/json') return send(200, JSON.stringify(JSON_DOCUMENT), { 'content-type': 'application/json' });
  if (hopsMatch) {
    const left = Number(hopsMatch[1]);
    return left === 0 ? send(200, 'arrived') : redirect(302, `/redirect/${left - 1}`);
  }
  if (url.pathname === '/loop') return redirect(302, '/loop');
  if (url.pathname === '/see-other') return redirect(303, '/echo');
  if (url.pathname === '/to-localhost') return redirect(302, `http://localhost:${port}/echo`);
  if (url.pathname === '/to-metadata') return redirect(302, 'http://169.254.169.254/latest/meta-data/iam/');
  if (url.pathname === '/to-metadata-v6') return redirect(307, 'http://[fd00:ec2::254]/latest/meta-data/');
  // A careless endpoint that echoes the credentials it was sent.
  if (url.pathname === '/whoami') return send(200, `you sent: ${request.headers.authorization ?? 'nothing'}`);
  if (url.pathname === '/whoami-json') return send(200, JSON.stringify({ authorization: request.headers.authorization }));
  if (url.pathname === '/big') return send(200, 'x'.repeat(TWO_MIB));
  if (url.pathname === '/hang') return; // never answers
  send(404, 'not found');
}

describe('http engine', () => {
  let server: http.Server;
  let port: number;
  let base: string;
  let connections = 0;
  const hangingSockets: Socket[] = [];

  before(async () => {
    server = http.createServer((request, response) => {
      if (request.url === '/hang') hangingSockets.push(request.socket);
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => route(request, response, body, port));
    });
    server.on('connection', () => connections++);
    port = await listenOnLoopback(server);
    base = `http://127.0.0.1:${port}`;
  });
  after(() => closeServer(server));

  test('a 200 is OK, with time, status and size readings', async () => {
    const result = await runEngine(httpEngine, { url: `${base}/ok` });
    assert.equal(result.status, 'OK');
    assert.match(result.output, /^HTTP 200 OK - 18 bytes in \d+\.\d{3} s$/);
    const readings = Object.fromEntries(result.readings.map((r) => [r.name, r]));
    assert.equal(readings.status?.value, 200);
    assert.equal(readings.size?.value, 18);
    assert.equal(readings.size?.unit, 'B');
    assert.equal(readings.time?.unit, 's');
    assert.ok(readings.time!.value >= 0);
  });

  describe('status codes', () => {
    const scenarios: { code: number; status?: string; expected: string; output?: RegExp }[] = [
      { code: 204, expected: 'OK' },
      { code: 301, expected: 'OK' },
      { code: 404, expected: 'WARNING', output: /status 404 is a client error/ },
      { code: 401, expected: 'WARNING' },
      { code: 500, expected: 'CRITICAL', output: /status 500 is a server error/ },
      { code: 503, expected: 'CRITICAL' },
      { code: 204, status: '200-299,301', expected: 'OK' },
      { code: 301, status: '200-299,301', expected: 'OK' },
      { code: 302, status: '200-299,301', expected: 'CRITICAL', output: /status 302 is not one of 200-299,301/ },
      { code: 404, status: '404', expected: 'OK' },
      // Bergamot's default list: a 500 is CRITICAL, so is anything else not listed.
      { code: 500, status: '200,301,302,304', expected: 'CRITICAL' },
      { code: 201, status: '200,301,302,304', expected: 'CRITICAL' },
    ];
    for (const { code, status, expected, output } of scenarios) {
      test(`${code} with status=${status ?? '(unset)'} is ${expected}`, async () => {
        const result = await runEngine(httpEngine, { url: `${base}/status/${code}`, ...(status ? { status } : {}) });
        assert.equal(result.status, expected, result.output);
        if (output) assert.match(result.output, output);
      });
    }

    test('a bad status list is a configuration error', async () => {
      for (const status of ['abc', '200-', '299-200', '600', '99']) {
        const result = await runEngine(httpEngine, { url: `${base}/ok`, status });
        assert.equal(result.status, 'ERROR', status);
        assert.match(result.output, /parameter 'status'/);
      }
    });
  });

  describe('the request', () => {
    test("host, port, path and ssl build the URL; host defaults to the check's host address", async () => {
      const result = await runEngine(httpEngine, { port: String(port), path: '/echo', contains: '"method":"GET"' });
      assert.equal(result.status, 'OK', result.output);
      const named = await runEngine(httpEngine, { host: 'localhost', port: String(port), path: 'echo', contains: `"host":"localhost:${port}"` });
      assert.equal(named.status, 'OK', named.output);
    });

    test('virtual_host names the site in the Host header while connecting to host', async () => {
      const result = await runEngine(httpEngine, {
        host: '127.0.0.1', virtual_host: 'www.example.com', port: String(port), path: '/echo', contains: `"host":"www.example.com:${port}"`,
      });
      assert.equal(result.status, 'OK', result.output);
    });

    test('method, headers and body are sent; a body makes the default method POST', async () => {
      const result = await runEngine(httpEngine, {
        url: `${base}/echo`, body: 'ping=1', 'header:X-Check': 'vigil', 'header:Content-Type': 'application/x-www-form-urlencoded',
        'json:$.method': 'POST', 'json:$.body': 'ping=1', 'json:$.headers.x-check': 'vigil',
      });
      assert.equal(result.status, 'OK', result.output);
      const put = await runEngine(httpEngine, { url: `${base}/echo`, method: 'put', body: '{}', 'json:$.method': 'PUT' });
      assert.equal(put.status, 'OK', put.output);
    });

    test('a header parameter with a bad name or a line break is a configuration error', async () => {
      const badName = await runEngine(httpEngine, { url: `${base}/ok`, 'header:Bad Name': 'x' });
      assert.equal(badName.status, 'ERROR');
      assert.match(badName.output, /'Bad Name' is not a header name/);
      const injected = await runEngine(httpEngine, { url: `${base}/ok`, 'header:X-A': 'a\r\nX-B: b' });
      assert.equal(injected.status, 'ERROR');
      assert.match(injected.output, /line breaks/);
    });

    test('username and password are sent as Basic, a token as Bearer', async () => {
      const basic = await runEngine(httpEngine, {
        url: `${base}/echo`, username: 'monitor', password: 'hunter2-secret',
        'json:$.headers.authorization': `Basic ${Buffer.from('monitor:hunter2-secret').toString('base64')}`,
      });
      assert.equal(basic.status, 'OK', basic.output);
      const bearer = await runEngine(httpEngine, { url: `${base}/echo`, token: 'tok-123456', 'json:$.headers.authorization': 'Bearer tok-123456' });
      assert.equal(bearer.status, 'OK', bearer.output);
      const both = await runEngine(httpEngine, { url: `${base}/echo`, token: 'tok-123456', password: 'x' });
      assert.equal(both.status, 'ERROR');
      assert.match(both.output, /either a token/);
    });

    test('a bad URL is a configuration error', async () => {
      for (const url of ['not a url', 'ftp://example.com/']) {
        const result = await runEngine(httpEngine, { url });
        assert.equal(result.status, 'ERROR', url);
        assert.match(result.output, /parameter 'url'/);
      }
    });

    test('connections are reused between checks (keep-alive)', async () => {
      const before = connections;
      for (let i = 0; i < 3; i++) assert.equal((await runEngine(httpEngine, { url: `${base}/ok` })).status, 'OK');
      assert.ok(connections - before <= 1, `opened ${connections - before} connections for 3 checks`);
    });
  });

  describe('redirects', () => {
    test('are not followed unless asked', async () => {
      const result = await runEngine(httpEngine, { url: `${base}/redirect/2` });
      assert.equal(result.status, 'OK');
      assert.match(result.output, /^HTTP 302 Found/);
    });

    test('are followed up to max_redirects, and listed in the long output', async () => {
      const result = await runEngine(httpEngine, { url: `${base}/redirect/2`, follow_redirects: 'yes', contains: 'arrived' });
      assert.equal(result.status, 'OK', result.output);
      assert.match(result.output, /^HTTP 200 OK - 7 bytes in \S+ s after 2 redirects$/);
      assert.equal(result.longOutput, [`302 ${base}/redirect/2`, `302 ${base}/redirect/1`, `200 ${base}/redirect/0`].join('\n'));
    });

    test('more than max_redirects is CRITICAL', async () => {
      const loop = await runEngine(httpEngine, { url: `${base}/loop`, follow_redirects: 'true' });
      assert.equal(loop.status, 'CRITICAL');
      assert.match(loop.output, /still redirected after 5 redirects/);
      const short = await runEngine(httpEngine, { url: `${base}/redirect/3`, follow_redirects: 'true', max_redirects: '2' });
      assert.equal(short.status, 'CRITICAL');
      const enough = await runEngine(httpEngine, { url: `${base}/redirect/3`, follow_redirects: 'true', max_redirects: '3' });
      assert.equal(enough.status, 'OK', enough.output);
    });

    test('303 turns a POST into a GET without body', async () => {
      const result = await runEngine(httpEngine, { url: `${base}/see-other`, body: 'x=1', follow_redirects: 'true', 'json:$.method': 'GET', 'json:$.body': '""' });
      assert.equal(result.status, 'OK', result.output);
    });

    test('the Authorization header is not sent on to another host', async () => {
      const result = await runEngine(httpEngine, {
        url: `${base}/to-localhost`, token: 'tok-123456', follow_redirects: 'true', 'json:$.host': `localhost:${port}`, 'json:$.headers.authorization': '!= Bearer tok-123456',
      });
      assert.equal(result.status, 'CRITICAL');
      assert.match(result.output, /\$\.headers\.authorization is missing/);
    });

    test('a redirect to a metadata address is refused', async () => {
      for (const path of ['/to-metadata', '/to-metadata-v6']) {
        const result = await runEngine(httpEngine, { url: `${base}${path}`, follow_redirects: 'true' });
        assert.equal(result.status, 'ERROR', result.output);
        assert.match(result.output, new RegExp(`${path} redirected to http://(169\\.254\\.169\\.254|\\[fd00:ec2::254\\])/latest/meta-data/.*: refusing to connect`));
      }
    });
  });

  describe('expectations', () => {
    test('response time thresholds: a bare number is milliseconds', async () => {
      const relaxed = await runEngine(httpEngine, { url: `${base}/ok`, warning_response_time: '60000', critical_response_time: '2m' });
      assert.equal(relaxed.status, 'OK');
      const time = relaxed.readings.find((r) => r.name === 'time');
      assert.deepEqual([time?.warning, time?.critical], [60, 120]);
      // Any real request takes more than no time at all.
      const warning = await runEngine(httpEngine, { url: `${base}/ok`, warning_response_time: '0' });
      assert.equal(warning.status, 'WARNING');
      assert.match(warning.output, /response time \S+ s is over 0\.000 s/);
      const critical = await runEngine(httpEngine, { url: `${base}/ok`, warning_response_time: '0', critical_response_time: '0ms' });
      assert.equal(critical.status, 'CRITICAL');
    });

    test('contains, body_regex and length', async () => {
      const scenarios: { parameters: Record<string, string>; expected: string; output?: RegExp }[] = [
        { parameters: { contains: 'ready' }, expected: 'OK' },
        { parameters: { contains: 'down' }, expected: 'CRITICAL', output: /body does not contain "down"/ },
        { parameters: { body_regex: 'hello\\s+world' }, expected: 'OK' },
        { parameters: { body_regex: '/HELLO/i' }, expected: 'OK' },
        { parameters: { body_regex: '^ready' }, expected: 'CRITICAL', output: /body does not match \/\^ready\// },
        { parameters: { length: '10' }, expected: 'OK' },
        { parameters: { length: '100' }, expected: 'CRITICAL', output: /body is 18 bytes, expected at least 100/ },
      ];
      for (const { parameters, expected, output } of scenarios) {
        const result = await runEngine(httpEngine, { url: `${base}/ok`, ...parameters });
        assert.equal(result.status, expected, `${JSON.stringify(parameters)}: ${result.output}`);
        if (output) assert.match(result.output, output);
      }
      const bad = await runEngine(httpEngine, { url: `${base}/ok`, body_regex: '(' });
      assert.equal(bad.status, 'ERROR');
      assert.match(bad.output, /parameter 'body_regex'/);
    });

    test('JSON path assertions', async () => {
      const scenarios: { path: string; value: string; expected: string; output?: RegExp }[] = [
        { path: '$.status', value: 'ok', expected: 'OK' },
        { path: '$.status', value: '== "ok"', expected: 'OK' },
        { path: '$.status', value: 'degraded', expected: 'CRITICAL', output: /\$\.status is "ok", expected "degraded"/ },
        { path: '$.status', value: '!= down', expected: 'OK' },
        { path: '$.queue.depth', value: '42', expected: 'OK' },
        { path: '$.queue.depth', value: '42.0', expected: 'OK' },
        { path: '$.queue.depth', value: '< 100', expected: 'OK' },
        { path: '$.queue.depth', value: '>= 50', expected: 'CRITICAL', output: /\$\.queue\.depth is 42, expected >= 50/ },
        { path: '$.items[0].name', value: 'first', expected: 'OK' },
        { path: '$.items[-1].name', value: 'last', expected: 'OK' },
        { path: '$.items[2].name', value: 'exists', expected: 'CRITICAL', output: /\$\.items\[2\]\.name is missing/ },
        { path: '$.healthy', value: 'true', expected: 'OK' },
        { path: '$.healthy', value: '"true"', expected: 'CRITICAL' },
        { path: '$["odd.key"]', value: 'x', expected: 'OK' },
        { path: '$.queue', value: '{"depth": 42}', expected: 'OK' },
        { path: '$.status', value: '> 1', expected: 'CRITICAL', output: /\$\.status is "ok", expected a number > 1/ },
      ];
      for (const { path, value, expected, output } of scenarios) {
        const result = await runEngine(httpEngine, { url: `${base}/json`, [`json:${path}`]: value });
        assert.equal(result.status, expected, `${path} = ${value}: ${result.output}`);
        if (output) assert.match(result.output, output);
      }
    });

    test('bad JSON assertions are configuration errors; a body that is not JSON is CRITICAL', async () => {
      const badPath = await runEngine(httpEngine, { url: `${base}/json`, 'json:status': 'ok' });
      assert.equal(badPath.status, 'ERROR');
      assert.match(badPath.output, /parameter 'json:status': bad JSON path 'status' at column 1/);
      const badNumber = await runEngine(httpEngine, { url: `${base}/json`, 'json:$.queue.depth': '< lots' });
      assert.equal(badNumber.status, 'ERROR');
      const notJson = await runEngine(httpEngine, { url: `${base}/ok`, 'json:$.status': 'ok' });
      assert.equal(notJson.status, 'CRITICAL');
      assert.match(notJson.output, /body is not JSON$/);
    });

    test('every problem is reported, worst first', async () => {
      const result = await runEngine(httpEngine, { url: `${base}/status/404`, warning_response_time: '0', contains: 'welcome' });
      assert.equal(result.status, 'CRITICAL');
      assert.match(result.output, /^HTTP 404 Not Found - \d+ bytes in \S+ s; body does not contain "welcome"; status 404 is a client error; response time .* is over 0\.000 s$/);
    });

    test('a large body is measured in full but only its start is read, and never quoted', async () => {
      const result = await runEngine(httpEngine, { url: `${base}/big`, contains: 'needle' });
      assert.equal(result.status, 'CRITICAL');
      assert.equal(result.readings.find((r) => r.name === 'size')?.value, TWO_MIB);
      assert.match(result.output, /body does not contain "needle" \(only its first 1048576 bytes were read\)/);
      assert.ok(result.output.length < 200, result.output);
    });
  });

  describe('secrets never reach the output', () => {
    const PASSWORD = 'correct-horse-battery';
    const TOKEN = 'tok-9f8e7d6c5b4a';
    const CREDENTIAL = Buffer.from(`monitor:${PASSWORD}`).toString('base64');
    // runCheck is told of no secret here: the engine must keep them out by itself.
    const leaks = (text: string | undefined) => [PASSWORD, TOKEN, CREDENTIAL].filter((secret) => text?.includes(secret));

    test('a body-regex failure on a body that echoes the credentials', async () => {
      const credentials: Record<string, string>[] = [{ username: 'monitor', password: PASSWORD }, { token: TOKEN }];
      for (const auth of credentials) {
        const result = await runEngine(httpEngine, { url: `${base}/whoami`, body_regex: 'you sent: nothing', contains: 'nobody', ...auth });
        assert.equal(result.status, 'CRITICAL');
        assert.deepEqual(leaks(result.output), [], result.output);
      }
    });

    test('a JSON assertion that quotes an echoed credential', async () => {
      const basic = await runEngine(httpEngine, { url: `${base}/whoami-json`, username: 'monitor', password: PASSWORD, 'json:$.authorization': 'none' });
      assert.equal(basic.status, 'CRITICAL');
      assert.match(basic.output, /\$\.authorization is "Basic \*+", expected "none"/);
      const bearer = await runEngine(httpEngine, { url: `${base}/whoami-json`, token: TOKEN, 'json:$.authorization': 'none' });
      assert.deepEqual(leaks(bearer.output), [], bearer.output);
    });

    test('credentials written in the URL are used, and not shown', async () => {
      const result = await runEngine(httpEngine, {
        url: `http://monitor:${PASSWORD}@127.0.0.1:${port}/redirect/1`, follow_redirects: 'true', warning_response_time: '0',
      });
      assert.equal(result.status, 'WARNING');
      assert.deepEqual(leaks(`${result.output}\n${result.longOutput}`), []);
      assert.doesNotMatch(`${result.output}\n${result.longOutput}`, /monitor/);
    });
  });

  describe('failures', () => {
    test('connection refused is CRITICAL and says so', async () => {
      const closed = await closedPort();
      const result = await runEngine(httpEngine, { url: `http://127.0.0.1:${closed}/health` });
      assert.equal(result.status, 'CRITICAL');
      assert.equal(result.output, `HTTP request to http://127.0.0.1:${closed}/health failed: connection refused by 127.0.0.1:${closed}`);
      assert.deepEqual(result.readings, [{ name: 'status', value: 0 }], 'no answer is status 0, for failure counts');
    });

    test('a name that does not resolve is CRITICAL', async () => {
      const result = await runEngine(httpEngine, { url: 'http://no-such-host.invalid/' });
      assert.equal(result.status, 'CRITICAL');
      assert.match(result.output, /HTTP request to http:\/\/no-such-host\.invalid\/ failed: no-such-host\.invalid (does not resolve|could not be resolved)/);
    });

    test('metadata addresses are refused unless the site allows them', async () => {
      for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/latest/meta-data/', 'http://[::ffff:169.254.169.254]/']) {
        const result = await runEngine(httpEngine, { url });
        assert.equal(result.status, 'ERROR', url);
        assert.match(result.output, /refusing to connect to .*link-local and cloud metadata addresses are blocked/);
      }
      const viaHost = await runEngine(httpEngine, { path: '/' }, { check: { host: { name: 'imds', address: '169.254.169.254' } } });
      assert.equal(viaHost.status, 'ERROR');
    });

    test('the deadline gives TIMEOUT and closes the connection', async () => {
      const result = await runEngine(httpEngine, { url: `${base}/hang` }, { timeoutMs: 200 });
      assert.equal(result.status, 'TIMEOUT');
      const socket = hangingSockets.at(-1);
      assert.ok(socket, 'the request reached the server');
      if (!socket.destroyed) await once(socket, 'close');
    });
  });

  describe('HTTPS', () => {
    let pki: TestPki;
    let servers: https.Server[] = [];
    const serve = async (certificate: { cert: string; key: string }) => {
      const secure = https.createServer(certificate, (request, response) => response.end(`secure ${request.headers.host}`));
      servers.push(secure);
      return listenOnLoopback(secure);
    };

    before(async () => {
      pki = await createTestPki();
    });
    after(async () => {
      await Promise.all(servers.map((s) => closeServer(s)));
      servers = [];
      await pki.remove();
    });

    test('a certificate from a private CA verifies with ca', async () => {
      const securePort = await serve(pki.valid);
      const result = await runEngine(httpEngine, { host: 'localhost', port: String(securePort), ssl: 'yes', ca: pki.ca, contains: 'secure' });
      assert.equal(result.status, 'OK', result.output);
      const byAddress = await runEngine(httpEngine, { url: `https://127.0.0.1:${securePort}/`, ca: pki.ca });
      assert.equal(byAddress.status, 'OK', byAddress.output);
    });

    test('a certificate that does not verify is CRITICAL, unless permit_invalid_certs', async () => {
      const selfSigned = await serve(pki.selfSigned);
      const refused = await runEngine(httpEngine, { url: `https://localhost:${selfSigned}/` });
      assert.equal(refused.status, 'CRITICAL');
      assert.match(refused.output, new RegExp(`failed: TLS certificate of localhost:${selfSigned} not accepted: self[- ]signed certificate`));
      const permitted = await runEngine(httpEngine, { url: `https://localhost:${selfSigned}/`, permit_invalid_certs: 'yes' });
      assert.equal(permitted.status, 'OK', permitted.output);
    });

    test('a certificate for another name is CRITICAL; virtual_host picks the name checked', async () => {
      const wrongHost = await serve(pki.wrongHost);
      const refused = await runEngine(httpEngine, { url: `https://localhost:${wrongHost}/`, ca: pki.ca });
      assert.equal(refused.status, 'CRITICAL');
      assert.match(refused.output, /not accepted: .*localhost/);
      const named = await runEngine(httpEngine, { host: '127.0.0.1', virtual_host: 'other.example', port: String(wrongHost), ssl: 'yes', ca: pki.ca, contains: 'secure other.example' });
      assert.equal(named.status, 'OK', named.output);
    });
  });
});
