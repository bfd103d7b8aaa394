import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sign } from 'hono/jwt';
import { hashPassword, SCRYPT_COST } from '#api/auth/passwords.ts';
import { LOGIN_WINDOW_S, MAX_FAILURES_PER_CLIENT, MAX_FAILURES_PER_EMAIL } from '#api/auth/login-limit.ts';
import { SESSION_TTL_S } from '#api/auth/sessions.ts';
import { apiHarness, START_MS, TEST_JWT_SECRET } from '../helpers/api-app.ts';
import { withTestDatabase } from '../helpers/database.ts';

const { sql } = await withTestDatabase();

/** A client address as @hono/node-server hands it to the app. */
const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });

test('sign up: 201 with the user and a session that works; the e-mail is unique whatever its case', async () => {
  const api = apiHarness(sql);
  const signup = await api.call('POST', '/auth/signup', { body: { email: 'Ada@Example.com', password: 'correct horse battery', name: 'Ada' } });
  assert.equal(signup.status, 201);
  assert.deepEqual(Object.keys(signup.body).sort(), ['expiresAt', 'token', 'user']);
  assert.equal(signup.body.user.email, 'Ada@Example.com');
  assert.equal(signup.body.user.name, 'Ada');
  assert.equal(signup.body.expiresAt, new Date(START_MS + SESSION_TTL_S * 1000).toISOString());

  const me = await api.call('GET', '/me', { token: signup.body.token });
  assert.equal(me.status, 200);
  assert.deepEqual(me.body, { id: signup.body.user.id, email: 'Ada@Example.com', name: 'Ada', sites: [] });

  const again = await api.call('POST', '/auth/signup', { body: { email: 'ada@example.COM', password: 'another password' } });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'email_taken');
});

test('sign up checks every field at once', async () => {
  const api = apiHarness(sql);
  const answer = await api.call('POST', '/auth/signup', { body: { email: 'not an address', password: 'short', name: '' } });
  assert.equal(answer.status, 400);
  assert.deepEqual(answer.body.error.fields.map((f: { path: string }) => f.path).sort(), ['email', 'name', 'password']);
});

test('passwords are stored as salted scrypt hashes with their cost; the same password hashes differently twice', async () => {
  const api = apiHarness(sql, { passwordCost: SCRYPT_COST });
  await api.signup('hash-1@example.com');
  await api.call('POST', '/auth/signup', { body: { email: 'hash-2@example.com', password: 'password-of-hash-1@example.com' } });
  const rows = await sql<{ password_hash: string }[]>`
    select password_hash from user_account where email in ('hash-1@example.com', 'hash-2@example.com')`;
  assert.equal(rows.length, 2);
  for (const { password_hash } of rows) {
    assert.match(password_hash, new RegExp(`^scrypt\\$${SCRYPT_COST.N}\\$${SCRYPT_COST.r}\\$${SCRYPT_COST.p}\\$[\\w-]{22}\\$[\\w-]{43}$`));
    assert.ok(!password_hash.includes('password-of'));
  }
  assert.notEqual(rows[0]!.password_hash, rows[1]!.password_hash);
});

test('log in: a session for 12 hours; a wrong password and an unknown address get the same 401', async () => {
  const api = apiHarness(sql);
  const { userId } = await api.signup('bob@example.com');
  const login = await api.call('POST', '/auth/login', { body: { email: 'BOB@example.com', password: 'password-of-bob@example.com' } });
  assert.equal(login.status, 200);
  assert.equal(login.body.expiresAt, new Date(START_MS + SESSION_TTL_S * 1000).toISOString());
  assert.equal((await api.call('GET', '/me', { token: login.body.token })).body.id, userId);

  const wrong = await api.call('POST', '/auth/login', { body: { email: 'bob@example.com', password: 'not it at all' } });
  const unknown = await api.call('POST', '/auth/login', { body: { email: 'nobody@example.com', password: 'not it at all' } });
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  assert.deepEqual(wrong.body, unknown.body);

  api.clock.advance(SESSION_TTL_S * 1000 - 1);
  assert.equal((await api.call('GET', '/me', { token: login.body.token })).status, 200);
  api.clock.advance(1);
  assert.equal((await api.call('GET', '/me', { token: login.body.token })).status, 401, 'expired');
});

test('a session token signed with another key, with alg none, or altered is refused', async () => {
  const api = apiHarness(sql);
  const { token, userId } = await api.signup('mallory@example.com');
  const claims = { sub: userId, email: 'mallory@example.com', iat: START_MS / 1000, exp: START_MS / 1000 + 3600 };
  const otherKey = await sign(claims, 'another-secret-that-is-32-bytes-long!!', 'HS256');
  const [header, payload] = token.split('.');
  const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
  const elevated = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })).toString('base64url')}.${token.split('.')[2]}`;
  for (const bad of [otherKey, none, elevated, `${token}x`, 'vgl_not-a-token', 'garbage']) {
    assert.equal((await api.call('GET', '/me', { token: bad })).status, 401, bad);
  }
  assert.equal((await api.call('GET', '/me')).status, 401, 'no token');
  // The right key still works.
  assert.equal((await api.call('GET', '/me', { token: await sign(claims, TEST_JWT_SECRET, 'HS256') })).status, 200);
});

test(`log-in is refused with 429 and Retry-After after ${MAX_FAILURES_PER_EMAIL} failures for one address in ${LOGIN_WINDOW_S / 60} minutes, even with the right password`, async () => {
  const api = apiHarness(sql);
  await api.signup('carol@example.com');
  const attempt = (password: string, address = '192.0.2.1') =>
    api.call('POST', '/auth/login', { body: { email: 'carol@example.com', password }, env: from(address) });

  for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i++) {
    assert.equal((await attempt('wrong guess')).status, 401);
    api.clock.advance(1000);
  }
  const refused = await attempt('password-of-carol@example.com', '198.51.100.7');
  assert.equal(refused.status, 429);
  assert.equal(refused.body.error.code, 'too_many_attempts');
  // The first failure was 5 s ago; it leaves the window in 895 s.
  assert.equal(refused.headers.get('retry-after'), String(LOGIN_WINDOW_S - MAX_FAILURES_PER_EMAIL));

  api.clock.advance((LOGIN_WINDOW_S - MAX_FAILURES_PER_EMAIL) * 1000);
  assert.equal((await attempt('password-of-carol@example.com')).status, 200, 'once the oldest failure is out of the window');
  // A success forgets the address's failures: one more typo does not lock the owner out.
  assert.equal((await attempt('typo')).status, 401);
  assert.equal((await attempt('password-of-carol@example.com')).status, 200);
});

test(`one client address is refused after ${MAX_FAILURES_PER_CLIENT} failures, whichever accounts it tries; others are not`, async () => {
  const api = apiHarness(sql);
  await api.signup('dave@example.com');
  const lambda = (sourceIp: string) => ({ requestContext: { identity: { sourceIp } } });
  for (let i = 0; i < MAX_FAILURES_PER_CLIENT; i++) {
    const answer = await api.call('POST', '/auth/login', { body: { email: `guess-${i}@example.com`, password: 'guess' }, env: lambda('203.0.113.9') });
    assert.equal(answer.status, 401);
  }
  const body = { email: 'dave@example.com', password: 'password-of-dave@example.com' };
  assert.equal((await api.call('POST', '/auth/login', { body, env: lambda('203.0.113.9') })).status, 429);
  assert.equal((await api.call('POST', '/auth/login', { body, env: lambda('203.0.113.10') })).status, 200);
});

test('an older, cheaper hash is upgraded when its owner logs in', async () => {
  const api = apiHarness(sql, { passwordCost: SCRYPT_COST });
  const { userId } = await api.signup('erin@example.com');
  await sql`update user_account set password_hash = ${await hashPassword('password-of-erin@example.com', { N: 1024, r: 8, p: 1 })} where id = ${userId}`;
  assert.equal((await api.call('POST', '/auth/login', { body: { email: 'erin@example.com', password: 'password-of-erin@example.com' } })).status, 200);
  const [row] = await sql<{ password_hash: string }[]>`select password_hash from user_account where id = ${userId}`;
  assert.ok(row!.password_hash.startsWith(`scrypt$${SCRYPT_COST.N}$`));
});

test('API tokens: shown once, stored as a hash, listed without the secret, usable, revocable', async () => {
  const api = apiHarness(sql);
  const { token: session } = await api.signup('frank@example.com');
  const made = await api.call('POST', '/tokens', { token: session, body: { name: 'ci' } });
  assert.equal(made.status, 201);
  assert.match(made.body.token, /^vgl_[\w-]{43}$/);

  const [stored] = await sql<{ token_hash: Buffer }[]>`select token_hash from api_token where id = ${made.body.id}`;
  assert.equal(stored!.token_hash.length, 32);
  assert.ok(!stored!.token_hash.toString('latin1').includes(made.body.token));

  const me = await api.call('GET', '/me', { token: made.body.token });
  assert.equal(me.status, 200);
  assert.equal(me.body.email, 'frank@example.com');

  const listed = await api.call('GET', '/tokens', { token: session });
  assert.equal(listed.status, 200);
  assert.equal(listed.body.items.length, 1);
  assert.deepEqual({ ...listed.body.items[0], createdAt: 'x' }, {
    id: made.body.id, name: 'ci', siteId: null, role: null, createdAt: 'x', lastUsedAt: new Date(START_MS).toISOString(),
  });
  assert.ok(!listed.text.includes(made.body.token));

  // A token manages no tokens: it could otherwise make itself a wider one.
  assert.equal((await api.call('POST', '/tokens', { token: made.body.token, body: { name: 'wider' } })).status, 403);
  assert.equal((await api.call('DELETE', `/tokens/${made.body.id}`, { token: made.body.token })).status, 403);

  assert.equal((await api.call('DELETE', `/tokens/${made.body.id}`, { token: session })).status, 204);
  assert.equal((await api.call('GET', '/me', { token: made.body.token })).status, 401, 'revoked');
  assert.equal((await api.call('DELETE', `/tokens/${made.body.id}`, { token: session })).status, 404, 'already revoked');
  assert.deepEqual((await api.call('GET', '/tokens', { token: session })).body.items, []);
});

test("a token's scope: one site, no more than its owner's role there, and nothing elsewhere", async () => {
  const api = apiHarness(sql);
  const owner = await api.signup('grace@example.com');
  const stranger = await api.signup('heidi@example.com');
  const mine = await api.createSite(owner.token, 'scope-mine');
  const other = await api.createSite(owner.token, 'scope-other');
  const foreign = await api.createSite(stranger.token, 'scope-foreign');

  const roleWithoutSite = await api.call('POST', '/tokens', { token: owner.token, body: { name: 'x', role: 'viewer' } });
  assert.equal(roleWithoutSite.status, 400);
  assert.deepEqual(roleWithoutSite.body.error.fields.map((f: { path: string }) => f.path), ['role']);
  assert.equal((await api.call('POST', '/tokens', { token: owner.token, body: { name: 'x', siteId: foreign.id } })).status, 404);

  const scoped = await api.call('POST', '/tokens', { token: owner.token, body: { name: 'dashboard', siteId: mine.id } });
  assert.equal(scoped.status, 201);
  const token = scoped.body.token;
  const me = await api.call('GET', '/me', { token });
  assert.deepEqual(me.body.sites, [{ id: mine.id, name: 'scope-mine', role: 'viewer' }], 'viewer by default, and only its site');
  assert.equal((await api.call('GET', `/sites/${mine.id}`, { token })).body.role, 'viewer');
  assert.equal((await api.call('GET', `/sites/${other.id}`, { token })).status, 404);
  assert.deepEqual((await api.call('GET', '/sites', { token })).body.items.map((s: { id: string }) => s.id), [mine.id]);
  assert.equal((await api.call('POST', '/sites', { token, body: { name: 'from-a-token' } })).status, 403);

  // Made a viewer, the owner can no longer make an admin token for the site.
  await api.call('POST', `/sites/${mine.id}/members`, { token: owner.token, body: { email: 'heidi@example.com', role: 'admin' } });
  await api.call('POST', `/sites/${mine.id}/members`, { token: stranger.token, body: { email: 'grace@example.com', role: 'viewer' } });
  const tooMuch = await api.call('POST', '/tokens', { token: owner.token, body: { name: 'admin', siteId: mine.id, role: 'admin' } });
  assert.equal(tooMuch.status, 403);
});

test('neither passwords nor tokens reach the log', async () => {
  const api = apiHarness(sql);
  const { token } = await api.signup('ivan@example.com');
  await api.call('POST', '/auth/login', { body: { email: 'ivan@example.com', password: 'a wrong secret' } });
  const made = await api.call('POST', '/tokens', { token, body: { name: 'x' } });
  const logged = JSON.stringify(api.log.entries);
  for (const secret of ['a wrong secret', 'password-of-ivan', token, made.body.token]) assert.ok(!logged.includes(secret), secret);
});

test('failures older than the window are forgotten as new ones arrive: the table holds one window', async () => {
  const api = apiHarness(sql);
  const fail = (email: string) => api.call('POST', '/auth/login', { body: { email, password: 'guess' }, env: from('192.0.2.99') });
  await fail('old-1@example.com');
  await fail('old-2@example.com');
  api.clock.advance(LOGIN_WINDOW_S * 1000 + 1);
  await fail('new@example.com');
  const rows = await sql<{ email: string }[]>`select email from login_failure where client = '192.0.2.99'`;
  assert.deepEqual(rows.map((row) => row.email), ['new@example.com']);
});
