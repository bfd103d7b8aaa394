/**
 * Passive results: a check whose results are sent to Vigil (a trap, a cron job's heartbeat).
 *
 *   POST   /sites/{siteId}/checks/{checkId}/passive-token   admin  201 { checkId, path }: the URL, shown once
 *   DELETE /sites/{siteId}/checks/{checkId}/passive-token   admin  204: the URL stops working
 *   POST   /passive/{token} { status, output, readings? }          202: no other credentials; the token is the check's
 *
 * A posted result goes onto the results queue as a `passive` ResultMessage, and the result
 * processor applies it like any other (state machine, history, pushes, notifications). Bodies
 * are limited in size before they are read (limits.ts).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { STATUSES } from '#core/status.ts';
import { MAX_LONG_OUTPUT_CHARS, MAX_OUTPUT_CHARS } from '#engines/run-check.ts';
import { MAX_PASSIVE_BODY_BYTES, MAX_PASSIVE_READINGS } from '#actions/limits.ts';
import { issuePassiveToken, passiveResultMessage, passiveTarget, revokePassiveToken } from '#actions/passive-results.ts';
import { API_BASE, type RouteModule } from '../app.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, errorResponse, notFound } from '../errors.ts';
import { bearerAuth, errors, errorSchema, json, uuidParam } from '../openapi.ts';
import { attempt, guarded, iso } from './actions.ts';

const checkParams = z.object({ siteId: uuidParam('The site'), checkId: uuidParam('The check') });

/** A passive result may say anything but PENDING, which the state machine takes as "nothing known" and ignores. */
const PASSIVE_STATUSES = STATUSES.filter((status) => status !== 'PENDING') as [Exclude<(typeof STATUSES)[number], 'PENDING'>, ...Exclude<(typeof STATUSES)[number], 'PENDING'>[]];

const readingSchema = z.object({
  name: z.string().min(1).max(200),
  value: z.number(),
  unit: z.string().max(20).optional(),
  warning: z.number().optional(),
  critical: z.number().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});

const resultSchema = z.object({
  status: z.enum(PASSIVE_STATUSES).openapi({ example: 'OK' }),
  output: z.string().max(MAX_OUTPUT_CHARS).default('').openapi({ example: 'backup finished: 12 GB in 41 min' }),
  longOutput: z.string().max(MAX_LONG_OUTPUT_CHARS).optional(),
  readings: z.array(readingSchema).max(MAX_PASSIVE_READINGS).default([]),
}).openapi('PassiveResult');

/**
 * The app logs a failed request with its path, and this path holds a secret: such failures are
 * logged here without it and answered as the app would.
 */
export function failedWithoutPath(deps: ApiDeps, what = 'passive result') {
  return (error: unknown): never => {
    deps.log.error(`${what} failed`, { reason: (error as Error).message });
    throw new ApiError(500, 'internal', 'something went wrong on our side; it has been logged');
  };
}

/** The body limit of a passive URL's posts (`what` names them in the 413). */
export const passiveBodyLimit = (what: string) => [bodyLimit({
  maxSize: MAX_PASSIVE_BODY_BYTES,
  onError: (c) => errorResponse(c, new ApiError(413, 'too_large', `${what} is at most ${MAX_PASSIVE_BODY_BYTES / 1024} KiB`)),
})];

/** `{token}`: the secret in a passive URL. */
export const passiveTokenParams = z.object({ token: z.string().openapi({ description: 'The token in the passive URL made for the check' }) });

export const passiveRoutes: RouteModule = (router, deps) => {
  router.openapi(
    createRoute({
      method: 'post', path: '/sites/{siteId}/checks/{checkId}/passive-token', tags: ['passive'], security: bearerAuth,
      summary: 'Make (or replace) the URL that passive results for this check are posted to; it is shown once',
      middleware: guarded(deps, 'admin'),
      request: { params: checkParams },
      responses: {
        201: json(z.object({
          checkId: z.string(),
          path: z.string().openapi({ description: 'POST results here; keep it secret: it is the only credential', example: `${API_BASE}/passive/vp_...` }),
          createdAt: z.string(),
        }), 'The URL path; any previous one no longer works'),
        ...errors(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { checkId } = c.req.valid('param');
      const nowMs = deps.clock.nowMs();
      const token = await attempt(() => issuePassiveToken(deps.db, { siteId: c.get('siteId'), checkId, by: c.get('principal').email, nowMs }));
      return c.json({ checkId, path: `${API_BASE}/passive/${token}`, createdAt: iso(nowMs) }, 201);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete', path: '/sites/{siteId}/checks/{checkId}/passive-token', tags: ['passive'], security: bearerAuth,
      summary: "Revoke the check's passive-result URL",
      middleware: guarded(deps, 'admin'),
      request: { params: checkParams },
      responses: { 204: { description: 'Revoked' }, ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      if (!(await revokePassiveToken(deps.db, c.get('siteId'), c.req.valid('param').checkId))) throw notFound('passive-result URL');
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'post', path: '/passive/{token}', tags: ['passive'],
      summary: 'Post a result for the check this URL belongs to',
      middleware: passiveBodyLimit('a passive result'),
      request: {
        params: passiveTokenParams,
        body: json(resultSchema, 'The result'),
      },
      responses: {
        202: json(z.object({ accepted: z.literal(true) }), 'Queued for the result processor, which applies it like any other result'),
        404: json(errorSchema, 'No such URL (or it was revoked)'),
        413: json(errorSchema, `The body is larger than ${MAX_PASSIVE_BODY_BYTES / 1024} KiB`),
        503: json(errorSchema, 'The results queue refused it: send it again'),
        ...errors(400),
      },
    }),
    async (c) => {
      const target = await passiveTarget(deps.db, c.req.valid('param').token).catch(failedWithoutPath(deps));
      if (!target) throw notFound('passive-result URL');
      const message = passiveResultMessage(target, c.req.valid('json'), deps.clock.nowMs());
      const sent = await deps.results.send([{ body: JSON.stringify(message) }]).catch(failedWithoutPath(deps));
      if (sent.failed.length > 0) {
        deps.log.warn('a passive result could not be queued', { siteId: target.siteId, checkId: target.checkId, reason: sent.failed[0]!.reason });
        throw new ApiError(503, 'unavailable', 'the result could not be queued; send it again');
      }
      return c.json({ accepted: true as const }, 202);
    },
  );
};
