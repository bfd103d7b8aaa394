/**
 * The notifications of a site: what was sent to whom on which channel, what is waiting, what was
 * cancelled and why (downtime, acknowledged, its host is down...), and the dead letters, the
 * ones that could not be delivered however often they were tried. A dead one can be sent again.
 *
 *   GET  /sites/{siteId}/notifications?status=&checkId=          viewer    newest first
 *   POST /sites/{siteId}/notifications/{notificationId}/retry    operator  200 the notification, pending again
 *
 * Only contact names are shown: addresses, numbers and webhook secrets stay in the configuration.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { CHANNEL_KINDS } from '#core/alerting/policy.ts';
import { listNotifications, retryNotification, type NotificationRecord } from '#notify/notification-store.ts';
import type { RouteModule } from '../app.ts';
import { notFound } from '../errors.ts';
import { bearerAuth, errors, json, uuidParam } from '../openapi.ts';
import { decodeCursor, pageOf, pageSchema, paginationQuery } from '../pagination.ts';
import { guarded } from './actions.ts';

const STATUSES = ['pending', 'sending', 'sent', 'dead', 'cancelled', 'summarised'] as const;
const KINDS = ['problem', 'recovery', 'reminder', 'escalation', 'acknowledgement', 'summary'] as const;
const isKind = (kind: string): kind is (typeof KINDS)[number] => (KINDS as readonly string[]).includes(kind);

const notificationSchema = z.object({
  id: z.number().int(),
  alertId: z.number().int().nullable().openapi({ description: 'The problem episode it belongs to' }),
  checkId: z.string().nullable(),
  contact: z.string(),
  channel: z.enum(CHANNEL_KINDS as [string, ...string[]]),
  kind: z.enum(KINDS),
  status: z.enum(STATUSES).openapi({ description: 'pending (waiting or retrying), sending (on its way now), sent, dead (given up), cancelled (no longer worth sending: lastError says why), summarised (sent inside the summary summaryId)' }),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable().openapi({ description: 'When a pending one is tried (again)' }),
  summaryId: z.number().int().nullable(),
  detail: z.record(z.string(), z.unknown()).openapi({ description: 'What it says: the check, its status and previous status, output, since when' }),
}).openapi('Notification');

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const notificationOf = (n: NotificationRecord) => ({
  id: n.id, alertId: n.alertId, checkId: n.checkId, contact: n.contact, channel: n.channel, kind: isKind(n.kind) ? n.kind : 'problem', status: n.status,
  attempts: n.attempts, lastError: n.lastError, createdAt: iso(n.createdAtMs)!, sentAt: iso(n.sentAtMs), nextAttemptAt: iso(n.nextAttemptAtMs),
  summaryId: n.summaryId, detail: n.detail,
});

export const notificationRoutes: RouteModule = (router, deps) => {
  router.openapi(
    createRoute({
      method: 'get', path: '/sites/{siteId}/notifications', tags: ['alerting'], security: bearerAuth,
      summary: "The site's notifications, newest first; ?status=dead lists the undeliverable ones",
      middleware: guarded(deps, 'viewer'),
      request: {
        params: z.object({ siteId: uuidParam('The site') }),
        query: paginationQuery.extend({
          status: z.enum(STATUSES).optional(),
          checkId: z.guid().optional().openapi({ description: 'Only those about this check' }),
        }),
      },
      responses: { 200: json(pageSchema(notificationSchema), 'A page of notifications'), ...errors(400, 401, 404) },
    }),
    async (c) => {
      const { limit, cursor, status, checkId } = c.req.valid('query');
      const before = decodeCursor(cursor, z.tuple([z.number().int()]))?.[0];
      const rows = await listNotifications(deps.db, c.get('siteId'), { limit: limit + 1, before, status, checkId });
      return c.json(pageOf(rows, limit, (n) => [n.id], notificationOf), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post', path: '/sites/{siteId}/notifications/{notificationId}/retry', tags: ['alerting'], security: bearerAuth,
      summary: 'Send a dead notification again (delivered by the next sweep, within a minute)',
      middleware: guarded(deps, 'operator'),
      request: {
        params: z.object({
          siteId: uuidParam('The site'),
          notificationId: z.coerce.number().int().positive().openapi({ param: { name: 'notificationId', in: 'path' }, example: 42 }),
        }),
      },
      responses: { 200: json(notificationSchema, 'Pending again'), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const retried = await retryNotification(deps.db, c.get('siteId'), c.req.valid('param').notificationId, deps.clock.nowMs());
      if (!retried) throw notFound('dead notification');
      return c.json(notificationOf(retried), 200);
    },
  );
};
