/**
 * The site's configured objects as plain lists, by name: hosts, services, traps, clusters,
 * resources, commands and locations. What configuration defines them is in the configuration
 * routes; their live state is in the checks routes.
 *
 * GET /sites/{siteId}/hosts, /services, /traps, /clusters, /resources, /commands, /locations
 */
import { createRoute, z } from '@hono/zod-openapi';
import { statusOfRank } from '#core/status.ts';
import type { RouteModule } from '../app.ts';
import { authenticated, siteRole } from '../context.ts';
import { bearerAuth, errors, json, statusNameSchema, uuidParam } from '../openapi.ts';
import { decodeCursor, pageOf, pageSchema, paginationQuery } from '../pagination.ts';

const hostSchema = z.object({
  id: z.uuid(),
  checkId: z.uuid().nullable().openapi({ description: "The host's own check (its state is in /checks/{checkId})" }),
  name: z.string(),
  address: z.string().nullable(),
  locationId: z.uuid().nullable(),
  location: z.string().nullable(),
  resourcePool: z.string().nullable(),
  status: statusNameSchema.nullable(),
}).openapi('Host');

const checkObjectSchema = z.object({
  id: z.uuid().openapi({ description: 'The check id' }),
  name: z.string(),
  parentId: z.uuid().nullable().openapi({ description: 'The host check of a service or trap, the cluster of a resource' }),
  parentName: z.string().nullable(),
  summary: z.string().nullable(),
  condition: z.string().nullable().openapi({ description: 'For clusters and resources: what they are worked out from' }),
  enabled: z.boolean(),
  status: statusNameSchema,
}).openapi('CheckObject');

const commandSchema = z.object({
  id: z.uuid(), name: z.string(), engine: z.string(), executor: z.string().nullable(),
  summary: z.string().nullable(), description: z.string().nullable(),
}).openapi('Command');

const locationSchema = z.object({
  id: z.uuid(), name: z.string(), parentId: z.uuid().nullable(),
  region: z.string().nullable().openapi({ description: 'AWS region whose workers run its checks; null: the home region' }),
  summary: z.string().nullable(), description: z.string().nullable(),
}).openapi('Location');

function listRoute<T extends z.ZodType>(what: string, item: T, summary: string) {
  return createRoute({
    method: 'get',
    path: `/sites/{siteId}/${what}`,
    summary,
    security: bearerAuth,
    request: { params: z.object({ siteId: uuidParam('The site') }), query: paginationQuery },
    responses: { 200: json(pageSchema(item), `A page of ${what}`), ...errors(400, 401, 404) },
  });
}

/** Check kinds listed here, each under its plural, with what their parent is. */
const CHECK_LISTS = [
  { path: 'services', kind: 'service', summary: 'Services, by host then name' },
  { path: 'traps', kind: 'trap', summary: 'Traps (passive checks), by host then name' },
  { path: 'clusters', kind: 'cluster', summary: 'Clusters, by name' },
  { path: 'resources', kind: 'resource', summary: 'Resources, by cluster then name' },
] as const;

const nameKey = z.tuple([z.string(), z.guid()]);

export const objectRoutes: RouteModule = (router, deps) => {
  const sql = deps.db;
  const viewer = [authenticated(deps), siteRole(deps, 'viewer')];
  const afterName = (after: readonly [string, string] | undefined, table: string) =>
    after ? sql`(${sql(table)}.name, ${sql(table)}.id) > (${after[0]}, ${after[1]}::uuid)` : sql`true`;

  router.openapi({ ...listRoute('hosts', hostSchema, 'Hosts, by name'), middleware: viewer }, async (c) => {
    const siteId = c.get('siteId');
    const { limit, cursor } = c.req.valid('query');
    const rows = await sql<(Omit<z.infer<typeof hostSchema>, 'status'> & { status: number | null })[]>`
      select h.id, c.id as "checkId", h.name, h.address, h.location_id as "locationId", l.name as location,
        h.resource_pool as "resourcePool", s.status
      from host h
      left join location l on l.id = h.location_id and l.site_id = ${siteId}
      left join "check" c on c.site_id = ${siteId} and c.host_id = h.id and c.kind = 'host'
      left join check_state s on s.check_id = c.id and s.site_id = ${siteId}
      where h.site_id = ${siteId} and ${afterName(decodeCursor(cursor, nameKey), 'h')}
      order by h.name, h.id
      limit ${limit + 1}`;
    return c.json(pageOf(rows, limit, (row) => [row.name, row.id], (row) => ({
      ...row, status: row.status === null ? null : statusOfRank(row.status),
    })), 200);
  });

  for (const list of CHECK_LISTS) {
    router.openapi({ ...listRoute(list.path, checkObjectSchema, list.summary), middleware: viewer }, async (c) => {
      const siteId = c.get('siteId');
      const { limit, cursor } = c.req.valid('query');
      const after = decodeCursor(cursor, z.tuple([z.string(), z.string(), z.guid()]));
      const rows = await sql<(Omit<z.infer<typeof checkObjectSchema>, 'status'> & { status: number; parentKey: string })[]>`
        select c.id, c.name, c.parent_id as "parentId", p.name as "parentName", c.summary, c.condition, c.enabled,
          s.status, coalesce(p.name, '') as "parentKey"
        from "check" c
        join check_state s on s.check_id = c.id and s.site_id = ${siteId}
        left join "check" p on p.id = c.parent_id and p.site_id = ${siteId}
        where c.site_id = ${siteId} and c.kind = ${list.kind}
          and ${after ? sql`(coalesce(p.name, ''), c.name, c.id) > (${after[0]}, ${after[1]}, ${after[2]}::uuid)` : sql`true`}
        order by coalesce(p.name, ''), c.name, c.id
        limit ${limit + 1}`;
      return c.json(pageOf(rows, limit, (row) => [row.parentKey, row.name, row.id], ({ parentKey: _, ...row }) => ({
        ...row, status: statusOfRank(row.status),
      })), 200);
    });
  }

  router.openapi({ ...listRoute('commands', commandSchema, 'Commands, by name'), middleware: viewer }, async (c) => {
    const siteId = c.get('siteId');
    const { limit, cursor } = c.req.valid('query');
    // Parameters are left out: they are expressions that may name credentials, and they are the configuration's business.
    const rows = await sql<z.infer<typeof commandSchema>[]>`
      select command.id, command.name, command.engine, command.executor, command.summary, command.description
      from command
      where command.site_id = ${siteId} and ${afterName(decodeCursor(cursor, nameKey), 'command')}
      order by command.name, command.id
      limit ${limit + 1}`;
    return c.json(pageOf(rows, limit, (row) => [row.name, row.id]), 200);
  });

  router.openapi({ ...listRoute('locations', locationSchema, 'Locations, by name'), middleware: viewer }, async (c) => {
    const siteId = c.get('siteId');
    const { limit, cursor } = c.req.valid('query');
    const rows = await sql<z.infer<typeof locationSchema>[]>`
      select location.id, location.name, location.parent_id as "parentId", location.region, location.summary, location.description
      from location
      where location.site_id = ${siteId} and ${afterName(decodeCursor(cursor, nameKey), 'location')}
      order by location.name, location.id
      limit ${limit + 1}`;
    return c.json(pageOf(rows, limit, (row) => [row.name, row.id]), 200);
  });
};
