/**
 * Configuration upload, for admins: `POST /sites/{siteId}/configuration?mode=validate|diff|apply`
 * with `{ files: { "name.xml": "<bergamot site=...>" } }`.
 *
 * - validate: every problem with its file:line:column, and the objects found;
 * - diff: also what applying would add, change and remove (field names only: values may be secrets);
 * - apply: also stores it in one transaction, online: the scheduler runs the new checks from its
 *   next tick, checks still configured keep their state and history.
 *
 * A configuration with any error answers 422 with its diagnostics, and nothing changes. Every
 * file must name this site (functions/actions/configuration-upload.ts says why).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { loadUploadedConfiguration } from '#actions/configuration-upload.ts';
import { MAX_CONFIGURATION_BODY_BYTES, MAX_CONFIGURATION_FILES } from '#actions/limits.ts';
import { diffSiteConfiguration } from '#store/config-diff.ts';
import { groupRollup } from '#store/group-rollup.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import type { RouteModule } from '../app.ts';
import { ApiError, errorResponse, notFound } from '../errors.ts';
import { bearerAuth, errors, errorSchema, json, uuidParam } from '../openapi.ts';
import { guarded } from './actions.ts';

const diagnosticSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  severity: z.enum(['error', 'warning']),
  message: z.string(),
  hint: z.string().optional(),
}).openapi('Diagnostic');

const objectRefSchema = z.object({
  kind: z.string().openapi({ example: 'service' }),
  name: z.string(),
  host: z.string().optional().openapi({ description: 'The host of a service or trap' }),
  cluster: z.string().optional().openapi({ description: 'The cluster of a resource' }),
});

const diffSchema = z.object({
  added: z.array(objectRefSchema),
  changed: z.array(objectRefSchema.extend({
    fields: z.array(z.string()).openapi({ description: 'What changes: schedule, command, parameters.port, run (the resolved parameters a worker gets)...', example: ['schedule', 'parameters.port'] }),
  })),
  removed: z.array(objectRefSchema),
}).openapi('ConfigurationDiff');

const resultSchema = z.object({
  site: z.string(),
  errors: z.number().int(),
  warnings: z.number().int(),
  diagnostics: z.array(diagnosticSchema),
  counts: z.record(z.string(), z.number().int()).openapi({ description: 'Objects found, by kind' }),
  diff: diffSchema.optional().openapi({ description: 'With mode diff or apply: what applying changes (for apply, compared with what was stored before)' }),
  applied: z.object({
    changeId: z.number().int(),
    counts: z.record(z.string(), z.number().int()),
    removedChecks: z.number().int(),
  }).optional().openapi({ description: 'With mode apply: the change recorded' }),
}).openapi('ConfigurationResult');

const invalidSchema = errorSchema.extend({ diagnostics: z.array(diagnosticSchema) }).openapi('InvalidConfiguration');

export const configurationRoutes: RouteModule = (router, deps) => {
  router.openapi(
    createRoute({
      method: 'post', path: '/sites/{siteId}/configuration', tags: ['configuration'], security: bearerAuth,
      summary: "Validate, diff or apply the site's configuration (Bergamot XML files)",
      middleware: [
        ...guarded(deps, 'admin'),
        bodyLimit({
          maxSize: MAX_CONFIGURATION_BODY_BYTES,
          onError: (c) => errorResponse(c, new ApiError(413, 'too_large', `a configuration upload is at most ${MAX_CONFIGURATION_BODY_BYTES / 1024 / 1024} MiB: apply larger ones with vigil apply`)),
        }),
      ],
      request: {
        params: z.object({ siteId: uuidParam('The site') }),
        query: z.object({
          mode: z.enum(['validate', 'diff', 'apply']).default('validate')
            .openapi({ description: 'validate: report problems; diff: also what would change; apply: also store it' }),
        }),
        body: json(z.object({
          files: z.record(z.string().min(1).max(255), z.string())
            .refine((files) => Object.keys(files).length >= 1, 'send at least one file')
            .refine((files) => Object.keys(files).length <= MAX_CONFIGURATION_FILES, `at most ${MAX_CONFIGURATION_FILES} files`)
            .openapi({ description: 'File name -> XML text; every file is <bergamot site="..."> naming this site', example: { 'site.xml': '<bergamot site="shop">...</bergamot>' } }),
        }), "The site's whole configuration: what it does not list is removed on apply"),
      },
      responses: {
        200: json(resultSchema, 'Valid (warnings allowed); with mode=apply, applied'),
        422: json(invalidSchema, 'The configuration has errors: nothing was changed'),
        413: json(errorSchema, `The upload is larger than ${MAX_CONFIGURATION_BODY_BYTES / 1024 / 1024} MiB`),
        ...errors(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const siteId = c.get('siteId');
      const { mode } = c.req.valid('query');
      const [site] = await deps.db<{ name: string }[]>`select name from site where id = ${siteId}`;
      if (!site) throw notFound('site');
      const loaded = loadUploadedConfiguration(c.req.valid('json').files, site.name);
      if (!loaded.site) {
        const message = `${loaded.errorCount} error${loaded.errorCount === 1 ? '' : 's'} in the configuration; nothing was ${mode === 'apply' ? 'applied' : 'changed'}`;
        return c.json({ error: { code: 'invalid_configuration', message }, diagnostics: loaded.diagnostics }, 422);
      }
      const answer = { site: site.name, errors: 0, warnings: loaded.warningCount, diagnostics: loaded.diagnostics, counts: loaded.counts };
      if (mode === 'validate') return c.json(answer, 200);
      const diff = await diffSiteConfiguration(deps.db, loaded.site);
      if (mode === 'diff') return c.json({ ...answer, diff }, 200);

      const applied = await applySiteConfiguration(deps.db, loaded.site, c.get('principal').email);
      deps.log.info('configuration applied through the API', { siteId, changeId: applied.changeId, removedChecks: applied.removedChecks });
      // Memberships and the group tree may have changed: browsers get the whole roll-up again.
      await deps.push.publish({ siteId, checks: [], groups: await groupRollup(deps.db, siteId) })
        .catch((error: unknown) => deps.log.warn('pushing the roll-up after an apply failed', { siteId, reason: (error as Error).message }));
      return c.json({ ...answer, diff, applied: { changeId: applied.changeId, counts: applied.counts, removedChecks: applied.removedChecks } }, 200);
    },
  );
};
