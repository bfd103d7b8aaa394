/**
 * Serves the dashboard (the static files beside this module) from the one Hono app, at `/`, in
 * Lambda as in `npm start`: `createApp(deps, { routes, mount: mountDashboard })`.
 *
 * The files are read once, when mounted, and answered from memory. There is no build step, so
 * file names carry no content hash: every response is `Cache-Control: no-cache` with a strong
 * ETag, and a browser revalidates (a 304 without a body) rather than run a stale mix of modules
 * after an upgrade. Every response carries a strict Content-Security-Policy: scripts and styles
 * only from this origin, no inline code, no HTML parsed from strings (Trusted Types), network
 * access only to this origin and the WebSocket gateway.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env, Hono } from 'hono';

export interface DashboardOptions {
  /**
   * The WebSocket gateway's URL when it is not this origin's `/ws` (API Gateway's WebSocket API
   * has a host of its own): `wss://abc123.execute-api.eu-west-1.amazonaws.com/live`.
   * @defaultValue the page's own origin, path `/ws`
   */
  websocketUrl?: string;
  /**
   * Where the files are.
   * @defaultValue this module's folder; in a Lambda bundle, `dashboard/` beside the bundle
   */
  dir?: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

interface StaticFile {
  body: string;
  contentType: string;
  etag: string;
}

/** Adds `GET /` (the page) and `GET /<file>` for each dashboard file to the app. */
export function mountDashboard<E extends Env>(app: Hono<E>, options: DashboardOptions = {}): void {
  const files = readDashboard(options.dir ?? defaultDir(), options.websocketUrl);
  const headers = securityHeaders(options.websocketUrl);
  const index = files.get('index.html');
  if (!index) throw new Error('the dashboard has no index.html');
  for (const [path, file] of [['/', index] as const, ...[...files].map(([name, file]) => [`/${name}`, file] as const)]) {
    app.get(path, (c) => {
      const common = { ...headers, 'cache-control': 'no-cache', etag: file.etag };
      if (matchesEtag(c.req.header('if-none-match'), file.etag)) return c.body(null, 304, common);
      return c.body(file.body, 200, { ...common, 'content-type': file.contentType });
    });
  }
}

function defaultDir(): string {
  // Run from source (tsx), the files are beside this module; bundled (scripts/bundle-functions.ts),
  // the bundle is one index.mjs and the files are copied into dashboard/ beside it.
  return fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './' : './dashboard/', import.meta.url));
}

function readDashboard(dir: string, websocketUrl: string | undefined): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(dir).sort()) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (!contentType) continue;
    let body = readFileSync(join(dir, name), 'utf8');
    if (name === 'index.html' && websocketUrl) body = body.replace('<meta name="vigil-websocket-url" content="">', `<meta name="vigil-websocket-url" content="${escapeAttribute(websocketUrl)}">`);
    files.set(name, { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return files;
}

/** The policy and the headers that go with it; the gateway's origin is added when it is elsewhere. */
function securityHeaders(websocketUrl: string | undefined): Record<string, string> {
  let gateway = '';
  if (websocketUrl) {
    const url = new URL(websocketUrl);
    if (url.protocol !== 'wss:' && url.protocol !== 'ws:') throw new Error(`websocketUrl must be a ws: or wss: URL, got ${url.protocol}`);
    gateway = ` ${url.origin}`;
  }
  const policy = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    // 'self' covers ws: and wss: to this same host (CSP level 3).
    `connect-src 'self'${gateway}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
  return {
    'content-security-policy': policy,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  };
}

function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim().replace(/^W\//, '');
    return tag === etag || tag === '*';
  });
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
