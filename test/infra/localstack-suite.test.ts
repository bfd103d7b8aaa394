/**
 * The part of `npm run test:localstack` that runs without Docker: finding LocalStack. Not there,
 * or not running what Vigil deploys, and the suite says so and exits non-zero at once. Also: the
 * suite's site validates.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { loadFiles } from '#cli/vigil.ts';
import { checkLocalStack, localStackEndpoint, REQUIRED_SERVICES } from '../../localstack/health.ts';
import { closedPort, closeServer, listenOnLoopback } from '../helpers/loopback.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function runSuite(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string; elapsedMs: number }> {
  const startedMs = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'localstack/run-suite.ts'], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr, elapsedMs: performance.now() - startedMs }));
  });
}

/** A stand-in for LocalStack's health endpoint answering `body`. */
async function fakeLocalStack(body: unknown): Promise<{ endpoint: string; server: Server }> {
  const server = createServer((request, response) => {
    if (request.url === '/_localstack/health') response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    else response.writeHead(404).end();
  });
  const port = await listenOnLoopback(server);
  return { endpoint: `http://127.0.0.1:${port}`, server };
}

const allRunning = Object.fromEntries(REQUIRED_SERVICES.map((name) => [name, 'running']));

test('without LocalStack the suite says it could not reach it and exits 1, quickly', async () => {
  const port = await closedPort();
  const { code, stdout, stderr, elapsedMs } = await runSuite({ LOCALSTACK_ENDPOINT: `http://127.0.0.1:${port}` });
  assert.equal(code, 1);
  assert.equal(stdout, '');
  assert.match(stderr, new RegExp(`^test:localstack: could not reach LocalStack at http://127\\.0\\.0\\.1:${port}/_localstack/health \\(ECONNREFUSED\\)\\. Start it with: .*docker compose -f localstack/docker-compose.yml up`));
  assert.ok(elapsedMs < 10_000, `took ${Math.round(elapsedMs)} ms`);
});

test('the endpoint: LOCALSTACK_ENDPOINT, else AWS_ENDPOINT_URL, else localhost:4566', () => {
  assert.equal(localStackEndpoint({}), 'http://localhost:4566');
  assert.equal(localStackEndpoint({ AWS_ENDPOINT_URL: 'http://ls:4566/' }), 'http://ls:4566');
  assert.equal(localStackEndpoint({ AWS_ENDPOINT_URL: 'http://ls:4566', LOCALSTACK_ENDPOINT: 'http://other:4566' }), 'http://other:4566');
});

test('a LocalStack without a service Vigil deploys is refused, naming the service', async () => {
  const { endpoint, server } = await fakeLocalStack({ edition: 'pro', version: '4.9.0', services: { ...allRunning, lambda: 'disabled', sqs: undefined } });
  try {
    assert.deepEqual(await checkLocalStack(endpoint), {
      ok: false,
      message: `LocalStack at ${endpoint} does not run lambda (disabled), sqs (missing): Vigil's deployment needs them`,
    });
  } finally {
    await closeServer(server);
  }
});

test('a healthy LocalStack passes; the free edition gets a warning about the WebSocket API', async () => {
  const { endpoint, server } = await fakeLocalStack({ edition: 'community', version: '4.9.0', services: { ...allRunning, sqs: 'available' } });
  try {
    const health = await checkLocalStack(endpoint);
    assert.equal(health.ok, true);
    assert.ok(health.ok && health.warnings.length === 1 && /WebSocket API/.test(health.warnings[0]!));
  } finally {
    await closeServer(server);
  }
});

test('something else answering on the port is not taken for LocalStack', async () => {
  const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>'));
  const port = await listenOnLoopback(server);
  try {
    const health = await checkLocalStack(`http://127.0.0.1:${port}`);
    assert.equal(health.ok, false);
    assert.match(health.ok ? '' : health.message, /not LocalStack's health JSON/);
  } finally {
    await closeServer(server);
  }
});

test('the suite\'s site validates', async () => {
  const loaded = await loadFiles([fileURLToPath(new URL('../../localstack/site.xml', import.meta.url))]);
  assert.equal(loaded?.diagnostics.errorCount, 0);
  assert.deepEqual(loaded?.sites.map((site) => site.name), ['localstack-suite']);
});
