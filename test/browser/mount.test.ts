/**
 * How the app serves the dashboard's files: content types, revalidation with ETags, the
 * Content-Security-Policy, and the WebSocket gateway's address when it lives elsewhere.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { Hono } from 'hono';
import { mountDashboard } from '#dashboard/mount.ts';

const DASHBOARD_DIR = new URL('../../functions/dashboard/', import.meta.url);

function dashboard(options?: Parameters<typeof mountDashboard>[1]) {
  const app = new Hono();
  mountDashboard(app, options);
  return app;
}

test('the page at / and every module and stylesheet, with their content types', async () => {
  const app = dashboard();
  const page = await app.request('/');
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(await page.text(), /<script type="module" src="app.js"><\/script>/);

  const files = readdirSync(DASHBOARD_DIR).filter((name) => /\.(js|css)$/.test(name));
  assert.ok(files.includes('app.js') && files.includes('styles.css'));
  for (const name of files) {
    const response = await app.request(`/${name}`);
    assert.equal(response.status, 200, name);
    assert.equal(response.headers.get('content-type'), name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8', name);
  }
});

test('only the dashboard files are served: not its TypeScript, nothing outside the folder', async () => {
  const app = dashboard();
  for (const path of ['/mount.ts', '/../package.json', '/%2e%2e/package.json', '/nope.js']) {
    assert.equal((await app.request(path)).status, 404, path);
  }
});

test('responses are revalidated: no-cache with an ETag, 304 when it still matches', async () => {
  const app = dashboard();
  const first = await app.request('/app.js');
  assert.equal(first.headers.get('cache-control'), 'no-cache');
  const etag = first.headers.get('etag');
  assert.match(etag ?? '', /^"[\w-]+"$/);
  const again = await app.request('/app.js', { headers: { 'if-none-match': etag! } });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), '');
  const changed = await app.request('/app.js', { headers: { 'if-none-match': '"something-else"' } });
  assert.equal(changed.status, 200);
});

test('a strict Content-Security-Policy on every response: own scripts and styles only, no inline code, no HTML from strings', async () => {
  const app = dashboard();
  for (const path of ['/', '/app.js', '/styles.css']) {
    const response = await app.request(path);
    const policy = response.headers.get('content-security-policy') ?? '';
    assert.match(policy, /default-src 'none'/, path);
    assert.match(policy, /script-src 'self'(;|$)/, path);
    assert.match(policy, /style-src 'self'(;|$)/, path);
    assert.match(policy, /connect-src 'self'(;|$)/, path);
    assert.match(policy, /require-trusted-types-for 'script'/, path);
    assert.match(policy, /frame-ancestors 'none'/, path);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  }
  // Nothing inline for the policy to refuse: scripts come from files, styles from the stylesheet.
  const html = await (await app.request('/')).text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
  assert.doesNotMatch(html, /\sstyle=|<style|\son[a-z]+=/i);
});

test('a WebSocket gateway elsewhere (API Gateway) is named in the page and allowed by the policy', async () => {
  const url = 'wss://abc123.execute-api.eu-west-1.amazonaws.com/live';
  const app = dashboard({ websocketUrl: url });
  const response = await app.request('/');
  assert.match(await response.text(), /<meta name="vigil-websocket-url" content="wss:\/\/abc123\.execute-api\.eu-west-1\.amazonaws\.com\/live">/);
  assert.match(response.headers.get('content-security-policy') ?? '', /connect-src 'self' wss:\/\/abc123\.execute-api\.eu-west-1\.amazonaws\.com(;|$)/);
  assert.throws(() => dashboard({ websocketUrl: 'https://example.com/live' }), /ws: or wss:/);
});
