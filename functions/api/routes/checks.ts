/**
 * Checks: the list (problems first), one check in full, its transition history and its readings
 * over a time range, downsampled.
 *
 * GET /sites/{siteId}/checks, GET /sites/{siteId}/checks/{checkId},
 * GET /sites/{siteId}/checks/{checkId}/transitions, GET /sites/{siteId}/checks/{checkId}/readings
 */
import { createRoute, z } from '@hono/zod-openapi';
import { STATUSES, statusOfRank, statusRank, type Status } from '#core/status.ts';
import type { Queryable } from '#store/database.ts';
import type { RouteModule } from '../app.ts';
import { authenticated, siteRole } from '../context.ts';
import { ApiError, notFound } from '../errors.ts';
import { bearerAuth, errors, isoOrNull, isoTime, json, statusNameSchema, uuidParam } from '../openapi.ts';
import { decodeCursor, encodeCursor, pageOf, pageSchema, paginationQuery } from '../pagination.ts';

export const CHECK_KINDS = ['host', 'service', 'trap', 'cluster', 'resource'] as const;

/** Statuses above OK are problems (functions/core/status.ts: PENDING and INFO are not). */
const OK_RANK = statusRank('OK');
/** Default history window when `from` is not given. */
const DEFAULT_HISTORY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_READING_POINTS = 200;
/** A chart is a few hundred pixels wide; more buckets than this would be drawn on top of each other. */
export const MAX_READING_POINTS = 2000;

/**
 * A comma-separated list of `values`, written as they are: `?status=CRITICAL,WARNING`. (No
 * case folding: the document's `pattern` cannot carry a regular expression's flags.)
 */
function listOf(values: readonly string[], what: string) {
  const one = values.join('|');
  return z.string().regex(new RegExp(`^(${one})(,(${one}))*$`), `comma-separated ${what}: ${values.join(', ')}`);
}


const checkSchema = z.object({
  id: z.uuid(),
  kind: z.enum(CHECK_KINDS),
  name: z.string(),
  hostName: z.string().nullable().openapi({ description: 'The host a service or trap is on (a host: itself)' }),
  groupIds: z.array(z.uuid()).openapi({ description: 'Groups the check is directly in' }),
  status: statusNameSchema,
  hard: z.boolean().openapi({ description: 'Whether the status is confirmed (false while failing or recovering)' }),
  hardStatus: statusNameSchema.openapi({ description: 'The last confirmed status' }),
  attempt: z.number().int(),
  flapping: z.boolean(),
  acknowledged: z.boolean(),
  inDowntime: z.boolean(),
  suppressed: z.boolean(),
  output: z.string().nullable(),
  lastResultAt: isoTime.nullable(),
  lastChangeAt: isoTime.nullable(),
}).openapi('Check');

const checkDetailSchema = checkSchema.extend({
  summary: z.string().nullable(),
  description: z.string().nullable(),
  parentId: z.uuid().nullable().openapi({ description: 'The host check of a service or trap, the cluster of a resource' }),
  enabled: z.boolean(),
  command: z.string().nullable().openapi({ description: 'Name of the command it runs' }),
  engine: z.string().nullable(),
  condition: z.string().nullable().openapi({ description: 'What a cluster or resource is worked out from' }),
  schedule: z.object({
    everyS: z.number().int(), changingEveryS: z.number().int(), retryEveryS: z.number().int(),
    timePeriod: z.string().nullable(),
  }),
  failedAfter: z.number().int(),
  recoversAfter: z.number().int(),
  quorum: z.number().int().openapi({ description: 'How many locations must report a problem for the check to have one' }),
  locations: z.array(z.object({
    id: z.uuid(), name: z.string(), region: z.string().nullable(),
    status: statusNameSchema.nullable().openapi({ description: 'The latest result from this location; null before the first' }),
    output: z.string().nullable(),
    lastResultAt: isoTime.nullable(),
  })).openapi({ description: 'Where the check runs from, with the latest result of each' }),
}).openapi('CheckDetail');

const transitionSchema = z.object({
  at: isoTime,
  fromStatus: statusNameSchema,
  toStatus: statusNameSchema,
  fromHard: z.boolean(),
  toHard: z.boolean(),
  attempt: z.number().int(),
  flapping: z.boolean(),
  locationId: z.uuid().nullable(),
  output: z.string().nullable(),
}).openapi('Transition');

const seriesSchema = z.object({
  name: z.string(),
  unit: z.string().nullable(),
  points: z.array(z.object({
    at: isoTime.openapi({ description: 'Start of the bucket' }),
    avg: z.number(), min: z.number(), max: z.number(),
  })),
}).openapi('ReadingSeries');

const checkParams = z.object({ siteId: uuidParam('The site'), checkId: uuidParam('The check') });
const range = {
  from: isoTime.optional().openapi({ description: 'Start (inclusive); default: 24 hours before `to`' }),
  to: isoTime.optional().openapi({ description: 'End (exclusive); default: now' }),
};

const listChecks = createRoute({
  method: 'get',
  path: '/sites/{siteId}/checks',
  summary: 'Checks, problems first: unhandled problems, then handled ones, then the rest; worst first in each',
  description: 'Handled means acknowledged, in downtime or suppressed. The order follows live states, so a check that changes state between two pages may appear on both or on neither.',
  security: bearerAuth,
  request: {
    params: z.object({ siteId: uuidParam('The site') }),
    query: paginationQuery.extend({
      status: listOf(STATUSES, 'statuses').optional().openapi({ example: 'CRITICAL,WARNING' }),
      kind: listOf(CHECK_KINDS, 'kinds').optional().openapi({ example: 'service' }),
      group: z.guid().optional().openapi({ description: 'Only checks in this group or in a group below it' }),
      problems: z.enum(['true', 'false']).optional().openapi({ description: 'true: only checks whose status is a problem (above OK)' }),
    }),
  },
  responses: { 200: json(pageSchema(checkSchema), 'A page of checks'), ...errors(400, 401, 404) },
});

const getCheck = createRoute({
  method: 'get',
  path: '/sites/{siteId}/checks/{checkId}',
  summary: 'One check: its state and its configuration',
  security: bearerAuth,
  request: { params: checkParams },
  responses: { 200: json(checkDetailSchema, 'The check'), ...errors(400, 401, 404) },
});

const listTransitions = createRoute({
  method: 'get',
  path: '/sites/{siteId}/checks/{checkId}/transitions',
  summary: "The check's state changes in a time range, newest first",
  security: bearerAuth,
  request: { params: checkParams, query: paginationQuery.extend(range) },
  responses: { 200: json(pageSchema(transitionSchema), 'A page of transitions'), ...errors(400, 401, 404) },
});

const getReadings = createRoute({
  method: 'get',
  path: '/sites/{siteId}/checks/{checkId}/readings',
  summary: "The check's readings (performance data) in a time range, averaged into at most `points` buckets",
  security: bearerAuth,
  request: {
    params: checkParams,
    query: z.object({
      name: z.string().min(1).max(200).optional().openapi({ description: 'Only this reading; default: every reading of the check' }),
      ...range,
      points: z.coerce.number().int().min(1).max(MAX_READING_POINTS).default(DEFAULT_READING_POINTS)
        .openapi({ description: `Buckets per series at most (1 to ${MAX_READING_POINTS})` }),
    }),
  },
  responses: {
    200: json(z.object({
      from: isoTime, to: isoTime,
      bucketMs: z.number().int().openapi({ description: 'Width of one bucket' }),
      series: z.array(seriesSchema),
    }), 'The readings, one series per name'),
    ...errors(400, 401, 404),
  },
});

/** The time range of a history query: `to` defaults to now, `from` to a day before `to`. */
function timeRange(query: { from?: string | undefined; to?: string | undefined }, nowMs: number): { from: Date; to: Date } {
  const to = query.to ? new Date(query.to) : new Date(nowMs);
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - DEFAULT_HISTORY_MS);
  if (from >= to) throw new ApiError(400, 'invalid_request', 'the request is not valid: see fields', [{ path: 'query.from', message: 'must be before `to`' }]);
  return { from, to };
}

/** 0: a problem nobody handles, 1: a handled problem, 2: the rest. The list's first sort key. */
const PROBLEM_ORDER = `case when s.status > ${OK_RANK} and not (s.acknowledged or s.in_downtime or s.suppressed) then 0
  when s.status > ${OK_RANK} then 1 else 2 end`;


interface CheckRow {
  id: string;
  kind: (typeof CHECK_KINDS)[number];
  name: string;
  hostName: string | null;
  groupIds: string[];
  status: number;
  hard: boolean;
  hardStatus: number;
  attempt: number;
  flapping: boolean;
  acknowledged: boolean;
  inDowntime: boolean;
  suppressed: boolean;
  output: string | null;
  lastResultAt: Date | null;
  lastChangeAt: Date | null;
}

function checkItem(row: CheckRow) {
  return {
    id: row.id, kind: row.kind, name: row.name, hostName: row.hostName, groupIds: row.groupIds,
    status: statusOfRank(row.status), hard: row.hard, hardStatus: statusOfRank(row.hardStatus), attempt: row.attempt,
    flapping: row.flapping, acknowledged: row.acknowledged, inDowntime: row.inDowntime, suppressed: row.suppressed,
    output: row.output, lastResultAt: isoOrNull(row.lastResultAt), lastChangeAt: isoOrNull(row.lastChangeAt),
  };
}

/** The columns of a check's list item, over `"check" c`, `check_state s` and `host h`. */
function checkColumns(sql: Queryable) {
  return sql`
    c.id, c.kind, c.name, h.name as "hostName",
    array(select m.group_id from check_group_member m where m.site_id = c.site_id and m.check_id = c.id order by m.group_id) as "groupIds",
    s.status, s.hard, s.hard_status as "hardStatus", s.attempt, s.flapping, s.acknowledged,
    s.in_downtime as "inDowntime", s.suppressed, s.output, s.last_result_at as "lastResultAt", s.last_change_at as "lastChangeAt"`;
}

/** Whether the site has the check; history queries answer 404 for another site's check. */
async function requireCheck(sql: Queryable, siteId: string, checkId: string): Promise<void> {
  const [found] = await sql`select 1 from "check" where site_id = ${siteId} and id = ${checkId}`;
  if (!found) throw notFound('check');
}

export const checkRoutes: RouteModule = (router, deps) => {
  const sql = deps.db;
  const viewer = [authenticated(deps), siteRole(deps, 'viewer')];

  router.openapi({ ...listChecks, middleware: viewer }, async (c) => {
    const siteId = c.get('siteId');
    const query = c.req.valid('query');
    const after = decodeCursor(query.cursor, z.tuple([z.number().int(), z.number().int(), z.string(), z.string(), z.guid()]));
    const statuses = query.status?.split(',').map((name) => statusRank(name as Status));
    const kinds = query.kind?.split(',');
    // The page key (order, -status, host, name, id): every part ascending, so one row comparison finds the page.
    const rows = await sql<(CheckRow & { problemOrder: number; hostKey: string })[]>`
      select * from (
        select ${checkColumns(sql)}, ${sql.unsafe(PROBLEM_ORDER)} as "problemOrder", coalesce(h.name, '') as "hostKey"
        from "check" c
        join check_state s on s.check_id = c.id and s.site_id = ${siteId}
        left join host h on h.id = c.host_id and h.site_id = ${siteId}
        where c.site_id = ${siteId}
          and ${statuses ? sql`s.status = any(${statuses}::smallint[])` : sql`true`}
          and ${kinds ? sql`c.kind = any(${kinds}::text[])` : sql`true`}
          and ${query.problems === 'true' ? sql`s.status > ${OK_RANK}` : query.problems === 'false' ? sql`s.status <= ${OK_RANK}` : sql`true`}
          and ${query.group ? sql`s.rollup_origin in (
            select o.id from rollup_origin o left join rollup_bucket b on b.id = o.bucket_id
            where o.site_id = ${siteId} and (${query.group}::uuid = any(o.groups) or ${query.group}::uuid = any(b.groups)))` : sql`true`}
      ) x
      where ${after ? sql`("problemOrder", -status, "hostKey", name, id) > (${after[0]}::int, ${after[1]}::int, ${after[2]}::text, ${after[3]}::text, ${after[4]}::uuid)` : sql`true`}
      order by "problemOrder", -status, "hostKey", name, id
      limit ${query.limit + 1}`;
    return c.json(pageOf(rows, query.limit, (row) => [row.problemOrder, -row.status, row.hostKey, row.name, row.id], checkItem), 200);
  });

  router.openapi({ ...getCheck, middleware: viewer }, async (c) => {
    const siteId = c.get('siteId');
    const { checkId } = c.req.valid('param');
    const [row] = await sql<(CheckRow & {
      summary: string | null; description: string | null; parentId: string | null; enabled: boolean; command: string | null;
      engine: string | null; condition: string | null; everyS: number; changingEveryS: number; retryEveryS: number;
      timePeriod: string | null; failedAfter: number; recoversAfter: number; quorum: number;
      locations: { id: string; name: string; region: string | null; status: number | null; output: string | null; lastResultAt: string | null }[];
    })[]>`
      select ${checkColumns(sql)},
        c.summary, c.description, c.parent_id as "parentId", c.enabled, cmd.name as command, cmd.engine, c.condition,
        c.every_s as "everyS", c.changing_every_s as "changingEveryS", c.retry_every_s as "retryEveryS", tp.name as "timePeriod",
        c.failed_after as "failedAfter", c.recovers_after as "recoversAfter", c.quorum,
        coalesce((
          select json_agg(json_build_object('id', l.id, 'name', l.name, 'region', l.region, 'status', ls.status,
                   'output', ls.output, 'lastResultAt', ls.last_result_at) order by l.name)
          from check_location cl
          join location l on l.id = cl.location_id and l.site_id = ${siteId}
          left join check_location_state ls on ls.check_id = cl.check_id and ls.location_id = cl.location_id
          where cl.site_id = ${siteId} and cl.check_id = c.id), '[]') as locations
      from "check" c
      join check_state s on s.check_id = c.id and s.site_id = ${siteId}
      left join host h on h.id = c.host_id and h.site_id = ${siteId}
      left join command cmd on cmd.id = c.command_id and cmd.site_id = ${siteId}
      left join time_period tp on tp.id = c.time_period_id and tp.site_id = ${siteId}
      where c.site_id = ${siteId} and c.id = ${checkId}`;
    if (!row) throw notFound('check');
    return c.json({
      ...checkItem(row),
      summary: row.summary, description: row.description, parentId: row.parentId, enabled: row.enabled,
      command: row.command, engine: row.engine, condition: row.condition,
      schedule: { everyS: row.everyS, changingEveryS: row.changingEveryS, retryEveryS: row.retryEveryS, timePeriod: row.timePeriod },
      failedAfter: row.failedAfter, recoversAfter: row.recoversAfter, quorum: row.quorum,
      locations: row.locations.map((l) => ({
        ...l, status: l.status === null ? null : statusOfRank(l.status), lastResultAt: l.lastResultAt ? new Date(l.lastResultAt).toISOString() : null,
      })),
    }, 200);
  });

  router.openapi({ ...listTransitions, middleware: viewer }, async (c) => {
    const siteId = c.get('siteId');
    const { checkId } = c.req.valid('param');
    const query = c.req.valid('query');
    const { from, to } = timeRange(query, deps.clock.nowMs());
    // Transitions have no id, and several may share an instant: the cursor is the instant of the
    // last one returned and how many of that instant were returned, in a fixed order within it.
    const after = decodeCursor(query.cursor, z.tuple([z.string(), z.number().int().min(1)]));
    await requireCheck(sql, siteId, checkId);
    const rows = await sql<{
      atKey: string; at: Date; fromStatus: number; toStatus: number; fromHard: boolean; toHard: boolean;
      attempt: number; flapping: boolean; locationId: string | null; output: string | null;
    }[]>`
      select at::text as "atKey", at, from_status as "fromStatus", to_status as "toStatus", from_hard as "fromHard",
        to_hard as "toHard", attempt, flapping, location_id as "locationId", output
      from check_transition
      where site_id = ${siteId} and check_id = ${checkId} and at >= ${from} and at < ${to}
        and ${after ? sql`at <= ${after[0]}::timestamptz` : sql`true`}
      order by at desc, location_id, to_status, from_status, attempt, output
      offset ${after?.[1] ?? 0}
      limit ${query.limit + 1}`;
    const kept = rows.slice(0, query.limit);
    const last = kept.at(-1);
    const nextCursor = rows.length > query.limit && last
      ? encodeCursor([last.atKey, kept.filter((row) => row.atKey === last.atKey).length + (after?.[0] === last.atKey ? after[1] : 0)])
      : null;
    const items = kept.map(({ atKey: _, at, fromStatus, toStatus, ...rest }) => ({
      at: at.toISOString(), fromStatus: statusOfRank(fromStatus), toStatus: statusOfRank(toStatus), ...rest,
    }));
    return c.json({ items, nextCursor }, 200);
  });

  router.openapi({ ...getReadings, middleware: viewer }, async (c) => {
    const siteId = c.get('siteId');
    const { checkId } = c.req.valid('param');
    const query = c.req.valid('query');
    const { from, to } = timeRange(query, deps.clock.nowMs());
    await requireCheck(sql, siteId, checkId);
    const bucketMs = Math.max(1, Math.ceil((to.getTime() - from.getTime()) / query.points));
    // date_bin puts each reading in the bucket of width bucketMs that holds it, counted from `from`.
    const rows = await sql<{ name: string; bucket: Date; avg: number; min: number; max: number; unit: string | null }[]>`
      select name, date_bin(make_interval(secs => ${bucketMs / 1000}), at, ${from}::timestamptz) as bucket,
        avg(value) as avg, min(value) as min, max(value) as max,
        (array_agg(unit order by at desc))[1] as unit
      from reading
      where site_id = ${siteId} and check_id = ${checkId} and at >= ${from} and at < ${to}
        and ${query.name ? sql`name = ${query.name}` : sql`true`}
      group by 1, 2
      order by 1, 2`;
    const series = new Map<string, { name: string; unit: string | null; points: { at: string; avg: number; min: number; max: number }[] }>();
    for (const row of rows) {
      const entry = series.get(row.name) ?? { name: row.name, unit: null, points: [] };
      entry.unit = row.unit ?? entry.unit;
      entry.points.push({ at: row.bucket.toISOString(), avg: row.avg, min: row.min, max: row.max });
      series.set(row.name, entry);
    }
    return c.json({ from: from.toISOString(), to: to.toISOString(), bucketMs, series: [...series.values()] }, 200);
  });
};
