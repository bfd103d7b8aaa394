/**
 * Sites (tenants) and their members.
 *
 * POST /sites (the caller becomes its admin), GET /sites (mine), GET /sites/{siteId},
 * GET /sites/{siteId}/members and POST /sites/{siteId}/members (admin).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { RouteModule } from '../app.ts';
import { findUserByEmail, listMembers, memberSites, setMemberRole } from '../auth/accounts.ts';
import { effectiveRole } from '../auth/roles.ts';
import { authenticated, siteRole } from '../context.ts';
import type { ApiDeps, Principal, Role } from '../deps.ts';
import { ApiError, forbidden } from '../errors.ts';
import { bearerAuth, errors, isoTime, json, roleSchema, uuidParam } from '../openapi.ts';
import { decodeCursor, pageOf, pageSchema, paginationQuery } from '../pagination.ts';

/**
 * A site's name is the `site` attribute of its configuration files (`<bergamot site="...">`),
 * which is how uploaded configuration finds its site; names are unique across Vigil.
 */
const siteName = z.string().trim().min(1).max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash and underscore, starting with a letter or digit')
  .openapi({ example: 'acme-production', description: 'As written in the configuration: <bergamot site="...">' });

const siteSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  summary: z.string().nullable(),
  role: roleSchema.openapi({ description: "The caller's role in the site" }),
  createdAt: isoTime,
}).openapi('Site');

const siteDetailSchema = siteSchema.extend({
  counts: z.object({ hosts: z.number().int(), checks: z.number().int(), groups: z.number().int(), locations: z.number().int() }),
}).openapi('SiteDetail');

const memberSchema = z.object({ id: z.uuid(), email: z.string(), name: z.string().nullable(), role: roleSchema }).openapi('Member');

const siteParams = z.object({ siteId: uuidParam('The site') });

const createSite = createRoute({
  method: 'post',
  path: '/sites',
  summary: 'Create a site; the caller becomes its admin',
  security: bearerAuth,
  request: { body: json(z.object({ name: siteName }), 'The new site') },
  responses: { 201: json(siteSchema, 'Created'), ...errors(400, 401, 403, 409) },
});

const listSites = createRoute({
  method: 'get',
  path: '/sites',
  summary: 'The sites the caller has a role in, by name',
  security: bearerAuth,
  request: { query: paginationQuery },
  responses: { 200: json(pageSchema(siteSchema), 'A page of sites'), ...errors(400, 401) },
});

const getSite = createRoute({
  method: 'get',
  path: '/sites/{siteId}',
  summary: 'One site, with how many objects it has',
  security: bearerAuth,
  request: { params: siteParams },
  responses: { 200: json(siteDetailSchema, 'The site'), ...errors(401, 404) },
});

const listSiteMembers = createRoute({
  method: 'get',
  path: '/sites/{siteId}/members',
  summary: "The site's members and their roles, by e-mail address (admin)",
  security: bearerAuth,
  request: { params: siteParams, query: paginationQuery },
  responses: { 200: json(pageSchema(memberSchema), 'A page of members'), ...errors(400, 401, 403, 404) },
});

const addMember = createRoute({
  method: 'post',
  path: '/sites/{siteId}/members',
  summary: 'Give a user (by e-mail address) a role in the site, or change it (admin)',
  description: 'The user must have signed up. The last admin of a site cannot be given a lesser role.',
  security: bearerAuth,
  request: {
    params: siteParams,
    body: json(z.object({ email: z.email().max(254), role: roleSchema }), 'Who, and which role'),
  },
  responses: {
    201: json(memberSchema, 'Added'),
    200: json(memberSchema, 'Role changed'),
    ...errors(400, 401, 403, 404, 409),
  },
});

const siteItem = (principal: Principal) => (site: { id: string; name: string; summary: string | null; role: Role; createdAt: Date }) => ({
  id: site.id, name: site.name, summary: site.summary, role: effectiveRole(principal, site.role), createdAt: site.createdAt.toISOString(),
});

export const siteRoutes: RouteModule = (router, deps: ApiDeps) => {
  const signedIn = authenticated(deps);
  const viewer = [signedIn, siteRole(deps, 'viewer')];
  const admin = [signedIn, siteRole(deps, 'admin')];

  router.openapi({ ...createSite, middleware: [signedIn] }, async (c) => {
    const principal = c.get('principal');
    if (principal.tokenScope) throw forbidden('this API token is limited to one site: it cannot create sites');
    const { name } = c.req.valid('json');
    const site = await deps.db.begin(async (tx) => {
      const [created] = await tx<{ id: string; name: string; summary: string | null; createdAt: Date }[]>`
        insert into site (name) values (${name})
        on conflict (name) do nothing
        returning id, name, summary, created_at as "createdAt"`;
      if (!created) return undefined;
      await tx`insert into site_member (site_id, user_id, role) values (${created.id}, ${principal.userId}, 'admin')`;
      return created;
    });
    if (!site) throw new ApiError(409, 'site_name_taken', `a site named '${name}' exists: choose another name`);
    return c.json(siteItem(principal)({ ...site, role: 'admin' }), 201);
  });

  router.openapi({ ...listSites, middleware: [signedIn] }, async (c) => {
    const principal = c.get('principal');
    const { limit, cursor } = c.req.valid('query');
    const after = decodeCursor(cursor, z.tuple([z.string(), z.guid()]));
    const rows = await memberSites(deps.db, principal.userId, { onlySiteId: principal.tokenScope?.siteId, after, limit });
    return c.json(pageOf(rows, limit, (row) => [row.name, row.id], siteItem(principal)), 200);
  });

  router.openapi({ ...getSite, middleware: viewer }, async (c) => {
    const siteId = c.get('siteId');
    const [site] = await deps.db<{ id: string; name: string; summary: string | null; createdAt: Date; hosts: number; checks: number; groups: number; locations: number }[]>`
      select s.id, s.name, s.summary, s.created_at as "createdAt",
        (select count(*)::int from host where site_id = s.id) as hosts,
        (select count(*)::int from "check" where site_id = s.id) as checks,
        (select count(*)::int from check_group where site_id = s.id) as groups,
        (select count(*)::int from location where site_id = s.id) as locations
      from site s where s.id = ${siteId}`;
    const { hosts, checks, groups, locations, ...rest } = site!;
    return c.json({ ...siteItem(c.get('principal'))({ ...rest, role: c.get('role') }), counts: { hosts, checks, groups, locations } }, 200);
  });

  router.openapi({ ...listSiteMembers, middleware: admin }, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const after = decodeCursor(cursor, z.tuple([z.string(), z.guid()]));
    const rows = await listMembers(deps.db, c.get('siteId'), after, limit);
    return c.json(pageOf(rows, limit, (row) => [row.emailKey, row.id], ({ emailKey: _, ...member }) => member), 200);
  });

  router.openapi({ ...addMember, middleware: admin }, async (c) => {
    const { email, role } = c.req.valid('json');
    const user = await findUserByEmail(deps.db, email);
    if (!user) {
      throw new ApiError(404, 'not_found', 'no account has this e-mail address: they must sign up first', [
        { path: 'email', message: 'no account has this e-mail address' },
      ]);
    }
    const outcome = await setMemberRole(deps.db, c.get('siteId'), user.id, role);
    if (outcome === 'last_admin') throw new ApiError(409, 'last_admin', 'the site would have no admin left: make someone else admin first');
    const member = { id: user.id, email: user.email, name: user.name, role };
    return outcome === 'added' ? c.json(member, 201) : c.json(member, 200);
  });
};
