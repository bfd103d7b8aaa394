/**
 * The API's Hono types, and the middleware every site-scoped route uses: authenticate the
 * caller, then find its role in the site named by `{siteId}`. A site the caller has no role in
 * answers 404, the same as a site that does not exist, so ids of other tenants cannot be probed.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { roleAtLeast } from './auth/roles.ts';
import type { ApiDeps, Principal, Role } from './deps.ts';
import { ApiError, errorResponse, fieldErrors, forbidden, notFound, unauthorized } from './errors.ts';

export interface ApiEnv {
  Variables: {
    principal: Principal;
    /** Set by `siteRole` on site-scoped routes. */
    siteId: string;
    role: Role;
  };
}

export type ApiApp = OpenAPIHono<ApiEnv>;

/** A router whose validation failures answer 400 with every bad field. */
export function createRouter(): ApiApp {
  return new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return errorResponse(c, new ApiError(400, 'invalid_request', 'the request is not valid: see fields', fieldErrors(result.error, result.target === 'json' ? undefined : result.target)));
      }
      return undefined;
    },
  });
}

/** Requires a valid bearer token; sets `principal`. */
export function authenticated(deps: ApiDeps): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    const principal = token ? await deps.auth.authenticate(token) : null;
    if (!principal) throw unauthorized();
    c.set('principal', principal);
    await next();
  };
}

/** Requires at least `minimum` in the site `{siteId}`; sets `siteId` and `role`. Use after `authenticated`. */
export function siteRole(deps: ApiDeps, minimum: Role): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const siteId = c.req.param('siteId');
    if (!siteId || !/^[0-9a-f-]{36}$/i.test(siteId)) throw notFound('site');
    const role = await deps.auth.roleIn(c.get('principal'), siteId);
    if (!role) throw notFound('site');
    if (!roleAtLeast(role, minimum)) throw forbidden(`this needs the ${minimum} role in the site; you are ${role}`);
    c.set('siteId', siteId);
    c.set('role', role);
    await next();
  };
}
