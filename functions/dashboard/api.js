/**
 * The REST API under /api/v1, as the dashboard calls it. The session token lives in
 * sessionStorage: it survives a reload but not the closing of the tab, and no other tab sees it.
 */
const BASE = '/api/v1';
const TOKEN_KEY = 'vigil.token';

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** An API error as the API answers it (`{ error: { code, message, fields? } }`). */
export class ApiError extends Error {
  constructor(status, code, message, fields = [], retryAfterS = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.retryAfterS = retryAfterS;
  }
}

/** Called when the API no longer accepts the token (expired, revoked): the app goes to log in. */
let onUnauthorized = () => {};
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/**
 * One request. Resolves to the JSON body (null for an empty one); rejects with an ApiError for an
 * error answer and with a TypeError when the network failed.
 */
export async function api(path, { method = 'GET', body, signal } = {}) {
  const headers = { accept: 'application/json' };
  const token = session.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  const isJson = (response.headers.get('content-type') ?? '').includes('application/json');
  const payload = isJson ? await response.json() : null;
  if (response.ok) return payload;
  if (response.status === 401 && token) {
    session.clear();
    onUnauthorized();
  }
  const error = payload?.error ?? {};
  const retryAfter = Number(response.headers.get('retry-after'));
  throw new ApiError(response.status, error.code ?? 'http_error', error.message ?? `${response.status} ${response.statusText}`, error.fields ?? [], Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
}

/** A query string from the defined values: `query({ limit: 500, cursor: null })` is `?limit=500`. */
export function query(values) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== null && value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * Every item of a paginated list (`{ items, nextCursor }`), page after page, up to about `max`
 * items; `nextCursor` is where to go on from (null when that was all).
 */
export async function listAll(path, { pageSize = 500, max = Number.POSITIVE_INFINITY, cursor = null } = {}) {
  const items = [];
  do {
    const page = await api(`${path}${query({ limit: pageSize, cursor })}`);
    items.push(...page.items);
    cursor = page.nextCursor ?? null;
  } while (cursor && items.length < max);
  return { items, nextCursor: cursor };
}

/** A path segment: ids come from the URL's hash, so they are encoded before use. */
export const seg = encodeURIComponent;
