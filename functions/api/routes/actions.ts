/**
 * What operators do to a check: run it now, acknowledge its problem (and take that back), and
 * schedule downtime. Acknowledging and downtime change whether a problem counts as handled, so
 * after commit the check and the groups above it are pushed to the browsers watching.
 *
 *   POST   /sites/{siteId}/checks/{checkId}/run-now            operator  202 { sent, unserved }
 *   POST   /sites/{siteId}/checks/{checkId}/acknowledge        operator  200 the check's state
 *   DELETE /sites/{siteId}/checks/{checkId}/acknowledge        operator  200 the check's state
 *   GET    /sites/{siteId}/checks/{checkId}/acknowledgements   viewer    the history, newest first
 *   POST   /sites/{siteId}/checks/{checkId}/downtime           operator  201 the downtime
 *   GET    /sites/{siteId}/downtimes?checkId=&past=            viewer    soonest first
 *   DELETE /sites/{siteId}/downtimes/{downtimeId}              operator  204
 */
import { createRoute, z } from '@hono/zod-openapi';
import { acknowledgeCheck, listAcknowledgements, NothingToAcknowledgeError, removeAcknowledgement, type Acknowledgement } from '#actions/acknowledgements.ts';
import { handledCheckChanges, publishCheckChanges, type HandledCheckChange } from '#actions/check-changes.ts';
import { deleteDowntime, DowntimeNotFoundError, downtimeWindowProblems, listDowntimes, scheduleDowntime, type Downtime } from '#actions/downtimes.ts';
import { MAX_COMMENT_CHARS } from '#actions/limits.ts';
import { NotPassiveError } from '#actions/passive-results.ts';
import { UptimeCommandTakenError, UptimeUrlExistsError } from '#actions/uptime.ts';
import { CheckNotFoundError, CheckNotRunnableError } from '#scheduler/run-now.ts';
import type { RouteModule } from '../app.ts';
import { authenticated, siteRole } from '../context.ts';
import type { ApiDeps, Role } from '../deps.ts';
import { ApiError, notFound } from '../errors.ts';
import { bearerAuth, errors, json, statusNameSchema, uuidParam } from '../openapi.ts';
import { decodeCursor, pageOf, pageSchema, paginationQuery } from '../pagination.ts';

/** The middleware of a site-scoped route: a valid token, then at least `role` in the site. */
export const guarded = (deps: ApiDeps, role: Role) => [authenticated(deps), siteRole(deps, role)];

/**
 * The API's answer to what the actions refuse: a check or downtime that is not in the site is
 * 404 (whether it is in another site is not told), a request the check's state or kind rules out
 * is 409 with the reason.
 */
export function actionError(error: unknown): unknown {
  if (error instanceof CheckNotFoundError) return notFound('check');
  if (error instanceof DowntimeNotFoundError) return notFound('downtime');
  if (
    error instanceof CheckNotRunnableError || error instanceof NothingToAcknowledgeError || error instanceof NotPassiveError ||
    error instanceof UptimeUrlExistsError || error instanceof UptimeCommandTakenError
  ) {
    return new ApiError(409, 'conflict', error.message);
  }
  return error;
}

/** Runs an action, turning what it refuses into the API's answer. */
export async function attempt<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw actionError(error);
  }
}

export const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

const checkParams = z.object({ siteId: uuidParam('The site'), checkId: uuidParam('The check') });
const comment = z.string().trim().min(1).max(MAX_COMMENT_CHARS);
const time = z.iso.datetime({ offset: true });

const checkStateSchema = z.object({
  id: z.string(),
  status: statusNameSchema,
  hard: z.boolean(),
  hardStatus: statusNameSchema,
  attempt: z.number().int(),
  flapping: z.boolean(),
  acknowledged: z.boolean(),
  inDowntime: z.boolean(),
  suppressed: z.boolean(),
  output: z.string(),
  lastResultAt: z.string().nullable(),
  lastChangeAt: z.string().nullable(),
}).openapi('CheckState');

const acknowledgementSchema = z.object({
  id: z.number().int(),
  hardStatus: statusNameSchema.openapi({ description: 'The confirmed status that was acknowledged' }),
  comment: z.string(),
  acknowledgedBy: z.string(),
  acknowledgedAt: z.string(),
  removedBy: z.string().nullable(),
  removedAt: z.string().nullable(),
}).openapi('Acknowledgement');

const downtimeSchema = z.object({
  id: z.string(),
  checkId: z.string(),
  from: z.string(),
  to: z.string(),
  comment: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  active: z.boolean().openapi({ description: 'Whether the downtime is running now' }),
}).openapi('Downtime');

function checkStateOf(change: HandledCheckChange): z.infer<typeof checkStateSchema> {
  return {
    id: change.checkId, status: change.status, hard: change.hard, hardStatus: change.hardStatus, attempt: change.attempt,
    flapping: change.flapping, acknowledged: change.acknowledged, inDowntime: change.inDowntime, suppressed: change.suppressed,
    output: change.output, lastResultAt: change.lastResultAtMs ? iso(change.lastResultAtMs) : null, lastChangeAt: isoOrNull(change.lastChangeAtMs),
  };
}

const acknowledgementOf = (a: Acknowledgement): z.infer<typeof acknowledgementSchema> => ({
  id: a.id, hardStatus: a.hardStatus, comment: a.comment, acknowledgedBy: a.acknowledgedBy, acknowledgedAt: iso(a.acknowledgedAtMs),
  removedBy: a.removedBy, removedAt: isoOrNull(a.removedAtMs),
});

const downtimeOf = (d: Downtime, nowMs: number): z.infer<typeof downtimeSchema> => ({
  id: d.id, checkId: d.checkId, from: iso(d.fromMs), to: iso(d.toMs), comment: d.comment, createdBy: d.createdBy,
  createdAt: iso(d.createdAtMs), active: d.fromMs <= nowMs && nowMs < d.toMs,
});

export const actionRoutes: RouteModule = (router, deps) => {
  const publishDeps = { db: deps.db, push: deps.push, log: deps.log };

  /** The check's state after an action, pushed to the browsers watching and answered. */
  async function stateAfter(siteId: string, checkId: string) {
    await publishCheckChanges(publishDeps, siteId, [checkId]);
    const [state] = await handledCheckChanges(deps.db, siteId, [checkId]);
    if (!state) throw notFound('check');
    return checkStateOf(state);
  }

  router.openapi(
    createRoute({
      method: 'post', path: '/sites/{siteId}/checks/{checkId}/run-now', tags: ['actions'], security: bearerAuth,
      summary: 'Run a check now, from each of its locations, outside its schedule',
      middleware: guarded(deps, 'operator'),
      request: { params: checkParams },
      responses: {
        202: json(z.object({
          sent: z.number().int().openapi({ description: 'Jobs handed to check queues, one per location whose region has workers' }),
          unserved: z.number().int().openapi({ description: 'Locations whose region has no worker: reported on the check as ERROR results' }),
        }), 'The runs are on their way; the results arrive like any other'),
        ...errors(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { checkId } = c.req.valid('param');
      const summary = await attempt(() => deps.runNow(c.get('siteId'), checkId));
      return c.json({ sent: summary.sent, unserved: summary.unserved }, 202);
    },
  );

  router.openapi(
    createRoute({
      method: 'post', path: '/sites/{siteId}/checks/{checkId}/acknowledge', tags: ['actions'], security: bearerAuth,
      summary: "Acknowledge a check's problem: it counts as handled until its confirmed state changes",
      middleware: guarded(deps, 'operator'),
      request: { params: checkParams, body: json(z.object({ comment }), 'Why, or who is on it') },
      responses: {
        200: json(checkStateSchema, "The check's state, acknowledged"),
        ...errors(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { checkId } = c.req.valid('param');
      const siteId = c.get('siteId');
      await attempt(() => acknowledgeCheck(deps.db, { siteId, checkId, comment: c.req.valid('json').comment, by: c.get('principal').email, atMs: deps.clock.nowMs() }));
      return c.json(await stateAfter(siteId, checkId), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete', path: '/sites/{siteId}/checks/{checkId}/acknowledge', tags: ['actions'], security: bearerAuth,
      summary: 'Take an acknowledgement back: the problem counts as unhandled again (nothing happens when there is none)',
      middleware: guarded(deps, 'operator'),
      request: { params: checkParams },
      responses: { 200: json(checkStateSchema, "The check's state"), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const { checkId } = c.req.valid('param');
      const siteId = c.get('siteId');
      await attempt(() => removeAcknowledgement(deps.db, { siteId, checkId, by: c.get('principal').email, atMs: deps.clock.nowMs() }));
      return c.json(await stateAfter(siteId, checkId), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get', path: '/sites/{siteId}/checks/{checkId}/acknowledgements', tags: ['actions'], security: bearerAuth,
      summary: "A check's acknowledgements, newest first: who, when, why, and who took them back",
      middleware: guarded(deps, 'viewer'),
      request: { params: checkParams, query: paginationQuery },
      responses: { 200: json(pageSchema(acknowledgementSchema), 'A page of acknowledgements'), ...errors(400, 401, 404) },
    }),
    async (c) => {
      const { checkId } = c.req.valid('param');
      const { limit, cursor } = c.req.valid('query');
      const before = decodeCursor(cursor, z.tuple([z.number().int()]))?.[0];
      const rows = await attempt(() => listAcknowledgements(deps.db, c.get('siteId'), checkId, { limit: limit + 1, before }));
      return c.json(pageOf(rows, limit, (a) => [a.id], acknowledgementOf), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post', path: '/sites/{siteId}/checks/{checkId}/downtime', tags: ['actions'], security: bearerAuth,
      summary: "Schedule downtime: the check's problems count as handled from `from` to `to`",
      middleware: guarded(deps, 'operator'),
      request: {
        params: checkParams,
        body: json(z.object({
          from: time.openapi({ description: 'When it begins (ISO 8601 with an offset); may be now or in the past', example: '2026-01-10T22:00:00Z' }),
          to: time.openapi({ description: 'When it ends; in the future, at most 90 days after from', example: '2026-01-11T02:00:00Z' }),
          comment,
        }).superRefine((body, ctx) => {
          // With the fields' own problems, so that every problem is reported at once.
          for (const problem of downtimeWindowProblems(Date.parse(body.from), Date.parse(body.to), deps.clock.nowMs())) {
            ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
          }
        }), 'The window and why'),
      },
      responses: { 201: json(downtimeSchema, 'The downtime, in effect at once if it has begun'), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const { checkId } = c.req.valid('param');
      const body = c.req.valid('json');
      const siteId = c.get('siteId');
      const [fromMs, toMs, nowMs] = [Date.parse(body.from), Date.parse(body.to), deps.clock.nowMs()];
      const { downtime, changes } = await attempt(() =>
        scheduleDowntime(deps.db, { siteId, checkId, fromMs, toMs, comment: body.comment, by: c.get('principal').email, nowMs }));
      if (changes.length > 0) await publishCheckChanges(publishDeps, siteId, [checkId]);
      return c.json(downtimeOf(downtime, nowMs), 201);
    },
  );

  router.openapi(
    createRoute({
      method: 'get', path: '/sites/{siteId}/downtimes', tags: ['actions'], security: bearerAuth,
      summary: "The site's downtimes that have not ended (with past=true, all of them), soonest first",
      middleware: guarded(deps, 'viewer'),
      request: {
        params: z.object({ siteId: uuidParam('The site') }),
        query: paginationQuery.extend({
          checkId: z.uuid().optional().openapi({ description: "Only this check's" }),
          past: z.enum(['true', 'false']).default('false').openapi({ description: 'Include downtimes that have ended' }),
        }),
      },
      responses: { 200: json(pageSchema(downtimeSchema), 'A page of downtimes'), ...errors(400, 401, 404) },
    }),
    async (c) => {
      const { limit, cursor, checkId, past } = c.req.valid('query');
      const after = decodeCursor(cursor, z.tuple([z.number().int(), z.uuid()]));
      const nowMs = deps.clock.nowMs();
      const rows = await listDowntimes(deps.db, c.get('siteId'), {
        nowMs, limit: limit + 1, past: past === 'true', checkId, after: after ? { fromMs: after[0], id: after[1] } : undefined,
      });
      return c.json(pageOf(rows, limit, (d) => [d.fromMs, d.id], (d) => downtimeOf(d, nowMs)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete', path: '/sites/{siteId}/downtimes/{downtimeId}', tags: ['actions'], security: bearerAuth,
      summary: 'Delete a downtime; one that is running ends at once',
      middleware: guarded(deps, 'operator'),
      request: { params: z.object({ siteId: uuidParam('The site'), downtimeId: uuidParam('The downtime') }) },
      responses: { 204: { description: 'Deleted' }, ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const siteId = c.get('siteId');
      const { checkId, changes } = await attempt(() => deleteDowntime(deps.db, siteId, c.req.valid('param').downtimeId, deps.clock.nowMs()));
      if (changes.length > 0) await publishCheckChanges(publishDeps, siteId, [checkId]);
      return c.body(null, 204);
    },
  );
};
