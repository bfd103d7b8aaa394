/**
 * Accounts: sign up, log in (rate-limited), who am I, and API tokens for programs.
 *
 * POST /auth/signup, POST /auth/login, GET /me, POST /tokens, GET /tokens, DELETE /tokens/{tokenId}
 *
 * Tokens are managed from a session only: a token that could make tokens could make itself a
 * wider one than it was given.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { RouteModule } from '../app.ts';
import { createUser, findUserByEmail, findUserById, memberSites, setPasswordHash } from '../auth/accounts.ts';
import { createApiToken, listApiTokens, revokeApiToken } from '../auth/api-tokens.ts';
import { accountAuthenticator } from '../auth/authenticator.ts';
import { clearLoginFailures, loginRetryAfterS, recordLoginFailure } from '../auth/login-limit.ts';
import { effectiveRole, roleAtLeast } from '../auth/roles.ts';
import { authenticated } from '../context.ts';
import type { ApiDeps, Principal } from '../deps.ts';
import { ApiError, forbidden, notFound, unauthorized } from '../errors.ts';
import { bearerAuth, errors, isoOrNull, isoTime, json, roleSchema, uuidParam } from '../openapi.ts';
import { decodeCursor, pageOf, pageSchema, paginationQuery } from '../pagination.ts';

/** NIST SP 800-63B: at least 8 characters, and accept long passphrases; the upper bound only caps the work one request asks of scrypt. */
const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 256;

const email = z.email().max(254).openapi({ example: 'alice@example.com' });
const password = z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH);

const userSchema = z.object({ id: z.uuid(), email: z.string(), name: z.string().nullable() }).openapi('User');
const sessionSchema = z.object({
  token: z.string().openapi({ description: 'Send as "Authorization: Bearer <token>"' }),
  expiresAt: isoTime,
});
const siteRoleSchema = z.object({ id: z.uuid(), name: z.string(), role: roleSchema });
const meSchema = userSchema.extend({ sites: z.array(siteRoleSchema) }).openapi('Me');
const tokenSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  siteId: z.uuid().nullable().openapi({ description: 'The one site the token works in; null: every site of its owner' }),
  role: roleSchema.nullable().openapi({ description: "The most the token may do in its site; never more than its owner's role there" }),
  createdAt: isoTime,
  lastUsedAt: isoTime.nullable().openapi({ description: 'To the minute' }),
}).openapi('ApiToken');

const signup = createRoute({
  method: 'post',
  path: '/auth/signup',
  summary: 'Create an account; answers a session token',
  request: {
    body: json(z.object({ email, password, name: z.string().trim().min(1).max(100).optional() }), 'The new account'),
  },
  responses: {
    201: json(z.object({ user: userSchema, token: z.string(), expiresAt: isoTime }), 'Created, and logged in'),
    ...errors(400, 409),
  },
});

const login = createRoute({
  method: 'post',
  path: '/auth/login',
  summary: 'Log in with e-mail and password; answers a session token valid for 12 hours',
  description: 'After 5 failures for one e-mail address (or 20 from one client address) in 15 minutes, answers 429 with Retry-After.',
  request: { body: json(z.object({ email, password: z.string().min(1).max(MAX_PASSWORD_LENGTH) }), 'Credentials') },
  responses: { 200: json(sessionSchema, 'Logged in'), ...errors(400, 401, 429) },
});

const me = createRoute({
  method: 'get',
  path: '/me',
  summary: 'The caller, and the sites it has a role in',
  security: bearerAuth,
  responses: { 200: json(meSchema, 'The caller'), ...errors(401) },
});

const createToken = createRoute({
  method: 'post',
  path: '/tokens',
  summary: 'Make an API token (shown once); from a session only',
  security: bearerAuth,
  request: {
    body: json(
      z.object({
        name: z.string().trim().min(1).max(100),
        siteId: z.guid().optional().openapi({ description: 'Limit the token to this site' }),
        role: roleSchema.optional().openapi({ description: 'With siteId: the most the token may do there (default viewer)' }),
      }).refine((body) => body.role === undefined || body.siteId !== undefined, {
        path: ['role'],
        message: 'a role limits a token to one site: give siteId as well',
      }),
      'The token to make',
    ),
  },
  responses: {
    201: json(z.object({ id: z.uuid(), name: z.string(), token: z.string().openapi({ description: 'Shown this once; Vigil keeps only its hash' }) }), 'Made'),
    ...errors(400, 401, 403, 404),
  },
});

const listTokens = createRoute({
  method: 'get',
  path: '/tokens',
  summary: "The caller's API tokens that are not revoked, oldest first; from a session only",
  security: bearerAuth,
  request: { query: paginationQuery },
  responses: { 200: json(pageSchema(tokenSchema), 'A page of tokens'), ...errors(400, 401, 403) },
});

const deleteToken = createRoute({
  method: 'delete',
  path: '/tokens/{tokenId}',
  summary: 'Revoke an API token; from a session only',
  security: bearerAuth,
  request: { params: z.object({ tokenId: uuidParam('The token') }) },
  responses: { 204: { description: 'Revoked' }, ...errors(400, 401, 403, 404) },
});

/**
 * The caller's network address, for the log-in limit: API Gateway's source IP in Lambda, the
 * socket's peer under @hono/node-server. Never a header, which any client can set.
 */
function clientAddress(c: Context): string {
  type Bindings = {
    requestContext?: { identity?: { sourceIp?: string }; http?: { sourceIp?: string } };
    incoming?: { socket?: { remoteAddress?: string } };
    server?: { incoming?: { socket?: { remoteAddress?: string } } };
  };
  const env = c.env as Bindings | undefined;
  return env?.requestContext?.identity?.sourceIp
    ?? env?.requestContext?.http?.sourceIp
    ?? (env?.server ?? env)?.incoming?.socket?.remoteAddress
    ?? 'unknown';
}

function requireSession(principal: Principal): void {
  if (principal.via !== 'session') throw forbidden('API tokens are managed from a session: log in to make, list or revoke them');
}

export const authRoutes: RouteModule = (router, deps: ApiDeps) => {
  const auth = accountAuthenticator(deps.auth);
  const signedIn = authenticated(deps);

  router.openapi(signup, async (c) => {
    const body = c.req.valid('json');
    const user = await createUser(deps.db, { email: body.email, name: body.name ?? null, passwordHash: await auth.passwords.hash(body.password) });
    if (!user) throw new ApiError(409, 'email_taken', 'an account with this e-mail address exists: log in instead');
    const session = await auth.issueSession({ userId: user.id, email: user.email });
    return c.json({ user, token: session.token, expiresAt: new Date(session.expiresAtMs).toISOString() }, 201);
  });

  router.openapi(login, async (c) => {
    const { email: address, password: given } = c.req.valid('json');
    const client = clientAddress(c);
    const retryAfterS = await loginRetryAfterS(deps.db, address, client, deps.clock.nowMs());
    if (retryAfterS > 0) {
      c.header('Retry-After', String(retryAfterS));
      throw new ApiError(429, 'too_many_attempts', `too many failed log-ins: try again in ${retryAfterS} s`);
    }
    const user = await findUserByEmail(deps.db, address);
    // An unknown address costs as much as a wrong password, so timing does not tell them apart.
    const valid = await auth.passwords.verify(given, user?.passwordHash ?? (await auth.passwords.decoy()));
    if (!user || !valid) {
      await recordLoginFailure(deps.db, address, client, deps.clock.nowMs());
      deps.log.info('log-in failed', { client });
      throw unauthorized('the e-mail address or the password is wrong');
    }
    await clearLoginFailures(deps.db, address);
    if (auth.passwords.needsRehash(user.passwordHash)) await setPasswordHash(deps.db, user.id, await auth.passwords.hash(given));
    const session = await auth.issueSession({ userId: user.id, email: user.email });
    return c.json({ token: session.token, expiresAt: new Date(session.expiresAtMs).toISOString() }, 200);
  });

  router.openapi({ ...me, middleware: [signedIn] }, async (c) => {
    const principal = c.get('principal');
    const [user, sites] = await Promise.all([
      findUserById(deps.db, principal.userId),
      memberSites(deps.db, principal.userId, { onlySiteId: principal.tokenScope?.siteId }),
    ]);
    if (!user) throw unauthorized('this account no longer exists');
    return c.json({
      ...user,
      sites: sites.map((site) => ({ id: site.id, name: site.name, role: effectiveRole(principal, site.role) })),
    }, 200);
  });

  router.openapi({ ...createToken, middleware: [signedIn] }, async (c) => {
    const principal = c.get('principal');
    requireSession(principal);
    const body = c.req.valid('json');
    const role = body.siteId ? (body.role ?? 'viewer') : undefined;
    if (body.siteId && role) {
      const own = await auth.roleIn(principal, body.siteId);
      if (!own) throw notFound('site');
      if (!roleAtLeast(own, role)) throw forbidden(`a token cannot do more than you: you are ${own} in this site`);
    }
    const made = await createApiToken(deps.db, principal.userId, { name: body.name, siteId: body.siteId, role });
    return c.json({ id: made.id, name: body.name, token: made.token }, 201);
  });

  router.openapi({ ...listTokens, middleware: [signedIn] }, async (c) => {
    const principal = c.get('principal');
    requireSession(principal);
    const { limit, cursor } = c.req.valid('query');
    const after = decodeCursor(cursor, z.tuple([z.string(), z.guid()]));
    const rows = await listApiTokens(deps.db, principal.userId, after, limit);
    return c.json(pageOf(rows, limit, (row) => [row.createdAtKey, row.id], (row) => ({
      id: row.id, name: row.name, siteId: row.siteId, role: row.role, createdAt: row.createdAt.toISOString(), lastUsedAt: isoOrNull(row.lastUsedAt),
    })), 200);
  });

  router.openapi({ ...deleteToken, middleware: [signedIn] }, async (c) => {
    const principal = c.get('principal');
    requireSession(principal);
    const { tokenId } = c.req.valid('param');
    if (!(await revokeApiToken(deps.db, principal.userId, tokenId, deps.clock.nowMs()))) throw notFound('token');
    return c.body(null, 204);
  });
};
