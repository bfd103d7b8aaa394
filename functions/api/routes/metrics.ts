/**
 * Agents' metrics (Distil's data-centre dashboard): every server's agent pushes its metrics every
 * second to its check's passive URL; Vigil keeps the latest value of each and aggregates them per
 * location. Silence alerts through the check's freshness (functions/scheduler/freshness.ts).
 *
 *   POST /passive/{token}/metrics { metrics: { name: value | { value, unit } } }   202: the token is the credential
 *   GET  /sites/{siteId}/locations/{locationId}/metrics   viewer   per metric name over the location's sources
 *   GET  /sites/{siteId}/checks/{checkId}/metrics         viewer   one source's latest values
 *
 * A push goes to the database, not to the results queue: one result a second per agent would
 * flood it. The one exception is the push that ends a silence (or is the check's first word):
 * it also queues an OK result, as a passive result would be, so the check recovers.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { formatDurationMs } from '#core/duration.ts';
import { MAX_PASSIVE_BODY_BYTES } from '#actions/limits.ts';
import { passiveResultMessage, passiveTarget, type PassiveTarget } from '#actions/passive-results.ts';
import {
  locationMetrics, MAX_METRIC_NAME_CHARS, MAX_METRIC_UNIT_CHARS, MAX_METRICS_PER_PUSH, sourceMetrics, storeMetrics, type MetricValue, type StoredPush,
} from '#store/agent-metrics.ts';
import type { RouteModule } from '../app.ts';
import { ApiError, notFound } from '../errors.ts';
import { bearerAuth, errors, errorSchema, json, uuidParam } from '../openapi.ts';
import { guarded, iso } from './actions.ts';
import { failedWithoutPath, passiveBodyLimit, passiveTokenParams } from './passive.ts';

const metricValueSchema = z.union([
  z.number().openapi({ description: 'The value, without a unit', example: 42.5 }),
  z.object({ value: z.number(), unit: z.string().max(MAX_METRIC_UNIT_CHARS).optional().openapi({ example: '%' }) }),
], { error: 'a finite number, or { "value": a finite number, "unit": text }' });

const pushSchema = z.object({
  metrics: z.record(z.string().min(1).max(MAX_METRIC_NAME_CHARS), metricValueSchema, {
    error: (issue) => (issue.code === 'invalid_key' ? `a metric name is 1 to ${MAX_METRIC_NAME_CHARS} characters` : undefined),
  })
    .refine((metrics) => Object.keys(metrics).length > 0, 'at least one metric: a push is also the heartbeat, and it is known by its metrics')
    .refine((metrics) => Object.keys(metrics).length <= MAX_METRICS_PER_PUSH, `at most ${MAX_METRICS_PER_PUSH} metrics in one push`)
    .openapi({ description: 'Metric name -> value (finite), or { value, unit }', example: { 'cpu.user': 12.5, 'mem.free': { value: 2.1e9, unit: 'B' } } }),
}).openapi('MetricsPush');

const sourceMetricSchema = z.object({
  name: z.string(), value: z.number(), unit: z.string().nullable(), at: z.string().openapi({ description: 'When the push that wrote it arrived' }),
}).openapi('SourceMetric');

const metricAggregateSchema = z.object({
  name: z.string(),
  unit: z.string().nullable().openapi({ description: 'The unit most sources give' }),
  sources: z.number().int().openapi({ description: 'Sources (checks of hosts in the location) that have pushed this metric' }),
  silent: z.number().int().openapi({ description: 'Of those, sources whose freshness has lapsed: their values are left out of sum, avg, min and max' }),
  sum: z.number().nullable(),
  avg: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  newestAt: z.string().openapi({ description: 'The newest push of this metric by any source' }),
}).openapi('MetricAggregate');

/** A push's metrics as the store takes them. */
function metricValues(metrics: z.infer<typeof pushSchema>['metrics']): MetricValue[] {
  return Object.entries(metrics).map(([name, metric]) =>
    typeof metric === 'number' ? { name, value: metric, unit: null } : { name, value: metric.value, unit: metric.unit ?? null });
}

/** The OK result that ends a silence. */
function reportingResult(target: PassiveTarget, push: StoredPush, nowMs: number) {
  const output = push.resumed === 'first'
    ? 'reporting: metrics received'
    : `reporting again: metrics received after ${formatDurationMs(push.silentForMs ?? 0)} of silence`;
  return passiveResultMessage(target, { status: 'OK', output, readings: [] }, nowMs);
}

export const metricRoutes: RouteModule = (router, deps) => {
  router.openapi(
    createRoute({
      method: 'post', path: '/passive/{token}/metrics', tags: ['metrics'],
      summary: "Push an agent's metrics for the check this URL belongs to (its latest values; also its heartbeat)",
      middleware: passiveBodyLimit('a metrics push'),
      request: {
        params: passiveTokenParams,
        body: json(pushSchema, 'The metrics'),
      },
      responses: {
        202: json(z.object({ stored: z.number().int().openapi({ description: 'Metrics stored' }) }), 'Stored'),
        404: json(errorSchema, 'No such URL (or it was revoked)'),
        413: json(errorSchema, `The body is larger than ${MAX_PASSIVE_BODY_BYTES / 1024} KiB`),
        503: json(errorSchema, 'The metrics were stored, but the result that ends the silence could not be queued: send them again'),
        ...errors(400),
      },
    }),
    async (c) => {
      const nowMs = deps.clock.nowMs();
      const target = await passiveTarget(deps.db, c.req.valid('param').token).catch(failedWithoutPath(deps, 'metrics push'));
      if (!target) throw notFound('passive-result URL');
      const push = await storeMetrics(deps.db, target, metricValues(c.req.valid('json').metrics), nowMs).catch(failedWithoutPath(deps, 'metrics push'));
      if (push.resumed) {
        const sent = await deps.results.send([{ body: JSON.stringify(reportingResult(target, push, nowMs)) }]).catch(failedWithoutPath(deps, 'metrics push'));
        if (sent.failed.length > 0) {
          // The next push finds the check as silent as this one did, and tries again.
          deps.log.warn('the result ending a silence could not be queued', { siteId: target.siteId, checkId: target.checkId, reason: sent.failed[0]!.reason });
          throw new ApiError(503, 'unavailable', 'the metrics were stored, but the check could not be marked as reporting; send them again');
        }
      }
      return c.json({ stored: push.stored }, 202);
    },
  );

  /** A read of the site's metrics, for viewers. */
  const readRoute = <P extends z.ZodObject, A extends z.ZodType>(path: string, summary: string, params: P, answer: A, description: string) => ({
    ...createRoute({
      method: 'get', path, tags: ['metrics'], security: bearerAuth, summary,
      request: { params },
      responses: { 200: json(answer, description), ...errors(400, 401, 404) },
    }),
    middleware: guarded(deps, 'viewer'),
  });

  router.openapi(
    readRoute(
      '/sites/{siteId}/locations/{locationId}/metrics', "Every metric of the location's sources (and of the locations under it), aggregated per name",
      z.object({ siteId: uuidParam('The site'), locationId: uuidParam('The location') }),
      z.object({
        locationId: z.string(), at: z.string().openapi({ description: 'The time silence is judged at' }), metrics: z.array(metricAggregateSchema),
      }).openapi('LocationMetrics'),
      'Per metric name, by name',
    ),
    async (c) => {
      const { locationId } = c.req.valid('param');
      const nowMs = deps.clock.nowMs();
      const metrics = await locationMetrics(deps.db, c.get('siteId'), locationId, nowMs);
      if (!metrics) throw notFound('location');
      return c.json({ locationId, at: iso(nowMs), metrics: metrics.map(({ newestAtMs, ...metric }) => ({ ...metric, newestAt: iso(newestAtMs) })) }, 200);
    },
  );

  router.openapi(
    readRoute(
      '/sites/{siteId}/checks/{checkId}/metrics', "The latest metrics one source (an agent's check) pushed, by name",
      z.object({ siteId: uuidParam('The site'), checkId: uuidParam('The check') }),
      z.object({ checkId: z.string(), metrics: z.array(sourceMetricSchema) }).openapi('SourceMetrics'),
      'Its metrics, by name',
    ),
    async (c) => {
      const { checkId } = c.req.valid('param');
      const metrics = await sourceMetrics(deps.db, c.get('siteId'), checkId);
      if (!metrics) throw notFound('check');
      return c.json({ checkId, metrics: metrics.map(({ atMs, ...metric }) => ({ ...metric, at: iso(atMs) })) }, 200);
    },
  );
};
