/**
 * The simple uptime API (seed 003, GoMon's): register URLs with a threshold, list them, count
 * their successes and failures over the last 24 hours, list their alerts.
 *
 *   POST   /sites/{siteId}/uptime/urls { url, threshold }    operator  201 the URL
 *   GET    /sites/{siteId}/uptime/urls                       viewer    alphabetical
 *   GET    /sites/{siteId}/uptime/urls/{urlId}               viewer
 *   DELETE /sites/{siteId}/uptime/urls/{urlId}               operator  204
 *   GET    /sites/{siteId}/uptime/urls/{urlId}/stats         viewer    { success, failure } over 24 h
 *   GET    /sites/{siteId}/uptime/urls/{urlId}/alerts        viewer    newest first
 *
 * A URL is an http check run every minute (functions/actions/uptime.ts); its id is the check's,
 * so it also appears among the site's checks, with its state and history.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { MAX_UPTIME_THRESHOLD, MAX_URL_CHARS, UPTIME_INTERVAL_S } from '#actions/limits.ts';
import {
  deleteUptimeUrl, getUptimeUrl, listUptimeAlerts, listUptimeUrls, registerUptimeUrl, uptimeStats, type UptimeAlert, type UptimeUrl,
} from '#actions/uptime.ts';
import type { RouteModule } from '../app.ts';
import { notFound } from '../errors.ts';
import { bearerAuth, errors, json, statusNameSchema, uuidParam } from '../openapi.ts';
import { decodeCursor, pageOf, pageSchema, paginationQuery } from '../pagination.ts';
import { attempt, guarded, iso } from './actions.ts';

const siteParams = z.object({ siteId: uuidParam('The site') });
const urlParams = siteParams.extend({ urlId: uuidParam('The URL (its check id)') });

const urlSchema = z.object({
  id: z.string().openapi({ description: "The URL's id, which is also its check's id" }),
  url: z.string(),
  threshold: z.number().int(),
  status: statusNameSchema.openapi({ description: "The check's status: CRITICAL on a 5xx or no answer" }),
  lastResultAt: z.string().nullable(),
  alerting: z.boolean().openapi({ description: 'Whether an alert is open' }),
  createdBy: z.string(),
  createdAt: z.string(),
}).openapi('UptimeUrl');

const alertSchema = z.object({
  id: z.number().int(),
  threshold: z.number().int(),
  openedAt: z.string(),
  failures: z.number().int().openapi({ description: '5xx responses in the five minutes before it opened' }),
  peakFailures: z.number().int().openapi({ description: 'The most 5xx responses in five minutes while it was open' }),
  closedAt: z.string().nullable(),
}).openapi('UptimeAlert');

const urlOf = (u: UptimeUrl): z.infer<typeof urlSchema> => ({
  id: u.id, url: u.url, threshold: u.threshold, status: u.status, lastResultAt: u.lastResultAtMs === null ? null : iso(u.lastResultAtMs),
  alerting: u.alerting, createdBy: u.createdBy, createdAt: iso(u.createdAtMs),
});

const alertOf = (a: UptimeAlert): z.infer<typeof alertSchema> => ({
  id: a.id, threshold: a.threshold, openedAt: iso(a.openedAtMs), failures: a.failures, peakFailures: a.peakFailures,
  closedAt: a.closedAtMs === null ? null : iso(a.closedAtMs),
});

const urlField = z.url({ protocol: /^https?$/ })
  .max(MAX_URL_CHARS)
  .refine((url) => { const parsed = new URL(url); return parsed.username === '' && parsed.password === ''; },
    'leave credentials out of the URL: it is shown to everyone in the site')
  .openapi({ description: 'An http:// or https:// URL, requested with GET every minute', example: 'https://shop.example.com/health' });

export const uptimeRoutes: RouteModule = (router, deps) => {
  /** The URL, or 404 when the site has no such URL. */
  async function urlIn(siteId: string, urlId: string): Promise<UptimeUrl> {
    const url = await getUptimeUrl(deps.db, siteId, urlId);
    if (!url) throw notFound('uptime URL');
    return url;
  }

  router.openapi(
    createRoute({
      method: 'post', path: '/sites/{siteId}/uptime/urls', tags: ['uptime'], security: bearerAuth,
      summary: 'Register a URL: GET every minute; alert when its 5xx responses in five minutes exceed the threshold',
      middleware: guarded(deps, 'operator'),
      request: {
        params: siteParams,
        body: json(z.object({
          url: urlField,
          threshold: z.number().int().min(0).max(MAX_UPTIME_THRESHOLD, {
            message: `at most ${MAX_UPTIME_THRESHOLD}: the URL is checked every ${UPTIME_INTERVAL_S} s, so five minutes hold at most ${MAX_UPTIME_THRESHOLD + 1} responses`,
          }).openapi({ description: 'Alert when more 5xx responses than this arrive within five minutes', example: 2 }),
        }), 'The URL and its threshold'),
      },
      responses: { 201: json(urlSchema, 'Registered; the scheduler runs it from its next tick'), ...errors(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const registered = await attempt(() => registerUptimeUrl(deps.db, {
        siteId: c.get('siteId'), url: new URL(body.url).href, threshold: body.threshold, by: c.get('principal').email, nowMs: deps.clock.nowMs(),
      }));
      return c.json(urlOf(registered), 201);
    },
  );

  router.openapi(
    createRoute({
      method: 'get', path: '/sites/{siteId}/uptime/urls', tags: ['uptime'], security: bearerAuth,
      summary: "The site's URLs, in alphabetical order",
      middleware: guarded(deps, 'viewer'),
      request: { params: siteParams, query: paginationQuery },
      responses: { 200: json(pageSchema(urlSchema), 'A page of URLs'), ...errors(400, 401, 404) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const after = decodeCursor(cursor, z.tuple([z.string()]))?.[0];
      const rows = await listUptimeUrls(deps.db, c.get('siteId'), { limit: limit + 1, after });
      return c.json(pageOf(rows, limit, (u) => [u.url], urlOf), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get', path: '/sites/{siteId}/uptime/urls/{urlId}', tags: ['uptime'], security: bearerAuth,
      summary: 'One URL',
      middleware: guarded(deps, 'viewer'),
      request: { params: urlParams },
      responses: { 200: json(urlSchema, 'The URL'), ...errors(400, 401, 404) },
    }),
    async (c) => c.json(urlOf(await urlIn(c.get('siteId'), c.req.valid('param').urlId)), 200),
  );

  router.openapi(
    createRoute({
      method: 'delete', path: '/sites/{siteId}/uptime/urls/{urlId}', tags: ['uptime'], security: bearerAuth,
      summary: 'Stop monitoring a URL; its history and alerts go with it',
      middleware: guarded(deps, 'operator'),
      request: { params: urlParams },
      responses: { 204: { description: 'Deleted' }, ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      if (!(await deleteUptimeUrl(deps.db, c.get('siteId'), c.req.valid('param').urlId))) throw notFound('uptime URL');
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'get', path: '/sites/{siteId}/uptime/urls/{urlId}/stats', tags: ['uptime'], security: bearerAuth,
      summary: 'Successful and failed requests over the last 24 hours',
      middleware: guarded(deps, 'viewer'),
      request: { params: urlParams },
      responses: {
        200: json(z.object({
          urlId: z.string(),
          from: z.string(),
          to: z.string(),
          success: z.number().int().openapi({ description: 'Answers with a status below 500' }),
          failure: z.number().int().openapi({ description: 'Answers with a 5xx status, and requests with no answer' }),
        }).openapi('UptimeStats'), 'The counts'),
        ...errors(400, 401, 404),
      },
    }),
    async (c) => {
      const siteId = c.get('siteId');
      const { id } = await urlIn(siteId, c.req.valid('param').urlId);
      const stats = await uptimeStats(deps.db, siteId, id, deps.clock.nowMs());
      return c.json({ urlId: id, from: iso(stats.fromMs), to: iso(stats.toMs), success: stats.success, failure: stats.failure }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get', path: '/sites/{siteId}/uptime/urls/{urlId}/alerts', tags: ['uptime'], security: bearerAuth,
      summary: "A URL's alerts, newest first",
      middleware: guarded(deps, 'viewer'),
      request: { params: urlParams, query: paginationQuery },
      responses: { 200: json(pageSchema(alertSchema), 'A page of alerts'), ...errors(400, 401, 404) },
    }),
    async (c) => {
      const siteId = c.get('siteId');
      const { id } = await urlIn(siteId, c.req.valid('param').urlId);
      const { limit, cursor } = c.req.valid('query');
      const before = decodeCursor(cursor, z.tuple([z.number().int()]))?.[0];
      const rows = await listUptimeAlerts(deps.db, siteId, id, { limit: limit + 1, before });
      return c.json(pageOf(rows, limit, (a) => [a.id], alertOf), 200);
    },
  );
};
