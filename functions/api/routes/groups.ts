/**
 * The group tree with each group's rolled-up state (functions/store/group-rollup.ts): the worst
 * status over the checks in the group and every group below it, and how many are in each status.
 *
 * GET /sites/{siteId}/groups, GET /sites/{siteId}/groups/{groupId}
 */
import { createRoute, z } from '@hono/zod-openapi';
import { statusOfRank } from '#core/status.ts';
import { groupRollup, type GroupRollup } from '#store/group-rollup.ts';
import type { Queryable } from '#store/database.ts';
import type { RouteModule } from '../app.ts';
import { authenticated, siteRole } from '../context.ts';
import { notFound } from '../errors.ts';
import { bearerAuth, errors, json, statusNameSchema, uuidParam } from '../openapi.ts';
import { decodeCursor, pageOf, pageSchema, paginationQuery } from '../pagination.ts';

const count = z.number().int().min(0);
const countsSchema = z.object({
  total: count.openapi({ description: 'Distinct checks in the group and below it' }),
  pending: count, info: count, ok: count, warning: count, critical: count, unknown: count,
  timeout: count, error: count, disconnected: count, action: count,
  handled: count.openapi({ description: 'Problems acknowledged, in downtime or suppressed' }),
  unhandled: count.openapi({ description: 'Problems nobody has handled' }),
});

const groupSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  summary: z.string().nullable(),
  parentIds: z.array(z.uuid()).openapi({ description: 'Groups this one is in; empty for a root (a group may have several parents)' }),
  worstStatus: statusNameSchema.openapi({ description: 'Worst status of the problems nobody has handled below it (OK when all are handled); PENDING when it has no checks' }),
  counts: countsSchema,
}).openapi('Group');

const groupDetailSchema = groupSchema.extend({
  childIds: z.array(z.uuid()).openapi({ description: 'Groups directly in this one' }),
}).openapi('GroupDetail');

const listGroups = createRoute({
  method: 'get',
  path: '/sites/{siteId}/groups',
  summary: 'Every group of the site with its rolled-up state, by name',
  description: 'Rebuild the tree from parentIds. Follow nextCursor for sites with more groups than one page.',
  security: bearerAuth,
  request: { params: z.object({ siteId: uuidParam('The site') }), query: paginationQuery },
  responses: { 200: json(pageSchema(groupSchema), 'A page of groups'), ...errors(400, 401, 404) },
});

const getGroup = createRoute({
  method: 'get',
  path: '/sites/{siteId}/groups/{groupId}',
  summary: 'One group with its rolled-up state and its children',
  security: bearerAuth,
  request: { params: z.object({ siteId: uuidParam('The site'), groupId: uuidParam('The group') }) },
  responses: { 200: json(groupDetailSchema, 'The group'), ...errors(400, 401, 404) },
});

interface GroupRow {
  id: string;
  name: string;
  summary: string | null;
  parentIds: string[];
}

const PENDING_ROLLUP = { worstStatus: 0, total: 0, pending: 0, info: 0, ok: 0, warning: 0, critical: 0, unknown: 0, timeout: 0, error: 0, disconnected: 0, action: 0, handled: 0, unhandled: 0 };

/** Groups with their roll-ups, in the order given; one roll-up query for all of them. */
async function withRollups<G extends GroupRow>(sql: Queryable, siteId: string, groups: readonly G[]) {
  const rollups = new Map((await groupRollup(sql, siteId, { groupIds: groups.map((g) => g.id) })).map((r) => [r.groupId, r]));
  return groups.map((group) => {
    const { groupId: _, name: __, worstStatus, ...counts }: GroupRollup = rollups.get(group.id) ?? { groupId: group.id, name: group.name, ...PENDING_ROLLUP };
    return { ...group, worstStatus: statusOfRank(worstStatus), counts };
  });
}

export const groupRoutes: RouteModule = (router, deps) => {
  const viewer = [authenticated(deps), siteRole(deps, 'viewer')];

  router.openapi({ ...listGroups, middleware: viewer }, async (c) => {
    const siteId = c.get('siteId');
    const { limit, cursor } = c.req.valid('query');
    const after = decodeCursor(cursor, z.tuple([z.string(), z.guid()]));
    const rows = await deps.db<GroupRow[]>`
      select g.id, g.name, g.summary,
        array(select p.parent_id from group_parent p where p.site_id = ${siteId} and p.group_id = g.id order by p.parent_id) as "parentIds"
      from check_group g
      where g.site_id = ${siteId}
        and ${after ? deps.db`(g.name, g.id) > (${after[0]}, ${after[1]}::uuid)` : deps.db`true`}
      order by g.name, g.id
      limit ${limit + 1}`;
    const page = pageOf(rows, limit, (row) => [row.name, row.id]);
    return c.json({ items: await withRollups(deps.db, siteId, page.items), nextCursor: page.nextCursor }, 200);
  });

  router.openapi({ ...getGroup, middleware: viewer }, async (c) => {
    const siteId = c.get('siteId');
    const { groupId } = c.req.valid('param');
    const [row] = await deps.db<(GroupRow & { childIds: string[] })[]>`
      select g.id, g.name, g.summary,
        array(select p.parent_id from group_parent p where p.site_id = ${siteId} and p.group_id = g.id order by p.parent_id) as "parentIds",
        array(select p.group_id from group_parent p where p.site_id = ${siteId} and p.parent_id = g.id order by p.group_id) as "childIds"
      from check_group g
      where g.site_id = ${siteId} and g.id = ${groupId}`;
    if (!row) throw notFound('group');
    const [group] = await withRollups(deps.db, siteId, [row]);
    return c.json(group!, 200);
  });
};
