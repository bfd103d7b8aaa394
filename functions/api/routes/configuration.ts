/**
 * Configuration upload, for admins: `POST /sites/{siteId}/configuration?mode=validate|diff|apply`
 * with `{ files: { "name.xml": "<bergamot site=...>" } }`.
 *
 * - validate: every problem with its file:line:column, and the objects found;
 * - diff: also what applying would add, change and remove (field names only: values may be secrets);
 * - apply: also stores it in one transaction, online: the scheduler runs the new checks from its
 *   next tick, checks still configured keep their state and history.
 *
 * Every apply is kept with who applied it, when, and its files: `GET .../configuration/changes`
 * lists them, and `POST .../changes/{id}/rollback` applies a change's files again (validated
 * again, as a new change that names the one it rolls back to).
 *
 * A configuration with any error answers 422 with its diagnostics, and nothing changes. Every
 * file must name this site (functions/actions/configuration-upload.ts says why).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { loadUploadedConfiguration, type UploadedConfiguration } from '#actions/configuration-upload.ts';
import { ConfigChangeNotFoundError, ConfigChangeWithoutFilesError, rollBackConfiguration } from '#actions/configuration-rollback.ts';
import { MAX_CONFIGURATION_BODY_BYTES, MAX_CONFIGURATION_FILES } from '#actions/limits.ts';
import { diffSiteConfiguration } from '#store/config-diff.ts';
import { groupRollup } from '#store/group-rollup.ts';
import { findConfigChange, listConfigChanges, type ConfigChange } from '#store/config-history.ts';
import { applySiteConfiguration, type ApplySummary } from '#store/site-config.ts';
import type { RouteModule } from '../app.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, errorResponse, notFound } from '../errors.ts';
import { bearerAuth, errors, errorSchema, json, uuidParam } from '../openapi.ts';
import { decodeCursor, pageOf, pageSchema, paginationQuery } from '../pagination.ts';
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
    writtenChecks: z.number().int().openapi({ description: 'Checks written: those of the hosts and clusters that are new or changed' }),
    removedChecks: z.number().int(),
  }).optional().openapi({ description: 'With mode apply: the change recorded' }),
}).openapi('ConfigurationResult');

const invalidSchema = errorSchema.extend({ diagnostics: z.array(diagnosticSchema) }).openapi('InvalidConfiguration');

const changeSchema = z.object({
  id: z.number().int(),
  appliedAt: z.string().openapi({ example: '2026-12-05T07:30:00.000Z' }),
  appliedBy: z.string().openapi({ description: 'Who applied it: the account, or the CLI user' }),
  summary: z.record(z.string(), z.number().int()).openapi({ description: 'Objects configured after it; checks written and removed' }),
  rollbackOf: z.number().int().nullable().openapi({ description: 'The change it rolled back to, when it was a rollback' }),
  files: z.array(z.object({ path: z.string(), digest: z.string() }))
    .openapi({ description: 'The files it was applied from (empty for changes applied before files were kept: those cannot be rolled back to)' }),
}).openapi('ConfigurationChange');

const changeOf = (change: ConfigChange) => ({
  id: change.id, appliedAt: new Date(change.appliedAtMs).toISOString(), appliedBy: change.appliedBy,
  summary: change.summary, rollbackOf: change.rollbackOf, files: change.files,
});

const changeParams = z.object({
  siteId: uuidParam('The site'),
  changeId: z.coerce.number().int().positive().openapi({ param: { name: 'changeId', in: 'path' }, description: 'The change', example: 12 }),
});

const modeQuery = (description: string) => z.object({
  mode: z.enum(['validate', 'diff', 'apply']).default('validate').openapi({ description }),
});

/** The answer to an upload or a rollback: 422 with the diagnostics when invalid; else what it found, changes, and applied. */
function configurationAnswer(siteName: string, loaded: UploadedConfiguration, mode: string) {
  const message = `${loaded.errorCount} error${loaded.errorCount === 1 ? '' : 's'} in the configuration; nothing was ${mode === 'apply' ? 'applied' : 'changed'}`;
  return {
    invalid: { error: { code: 'invalid_configuration', message }, diagnostics: loaded.diagnostics },
    valid: { site: siteName, errors: 0, warnings: loaded.warningCount, diagnostics: loaded.diagnostics, counts: loaded.counts },
  };
}

const appliedOf = (applied: ApplySummary) => ({
  changeId: applied.changeId, counts: applied.counts, writtenChecks: applied.writtenChecks, removedChecks: applied.removedChecks,
});

/** Browsers get the whole roll-up again after an apply: memberships and the group tree may have changed. */
async function announceApply(deps: ApiDeps, siteId: string, applied: ApplySummary, how: string): Promise<void> {
  deps.log.info(`configuration applied ${how}`, { siteId, changeId: applied.changeId, writtenChecks: applied.writtenChecks, removedChecks: applied.removedChecks });
  await deps.push.publish({ siteId, checks: [], groups: await groupRollup(deps.db, siteId) })
    .catch((error: unknown) => deps.log.warn('pushing the roll-up after an apply failed', { siteId, reason: (error as Error).message }));
}

async function siteName(deps: ApiDeps, siteId: string): Promise<string> {
  const [site] = await deps.db<{ name: string }[]>`select name from site where id = ${siteId}`;
  if (!site) throw notFound('site');
  return site.name;
}

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
        query: modeQuery('validate: report problems; diff: also what would change; apply: also store it'),
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
      const name = await siteName(deps, siteId);
      const loaded = loadUploadedConfiguration(c.req.valid('json').files, name);
      const answer = configurationAnswer(name, loaded, mode);
      if (!loaded.site) return c.json(answer.invalid, 422);
      if (mode === 'validate') return c.json(answer.valid, 200);
      const diff = await diffSiteConfiguration(deps.db, loaded.site);
      if (mode === 'diff') return c.json({ ...answer.valid, diff }, 200);

      const files = Object.entries(c.req.valid('json').files).map(([path, text]) => ({ path, text }));
      const applied = await applySiteConfiguration(deps.db, loaded.site, c.get('principal').email, { source: files });
      await announceApply(deps, siteId, applied, 'through the API');
      return c.json({ ...answer.valid, diff, applied: appliedOf(applied) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get', path: '/sites/{siteId}/configuration/changes', tags: ['configuration'], security: bearerAuth,
      summary: 'The configuration changes applied to the site, newest first: who applied each, when, and what it changed',
      middleware: guarded(deps, 'admin'),
      request: { params: z.object({ siteId: uuidParam('The site') }), query: paginationQuery },
      responses: { 200: json(pageSchema(changeSchema), 'A page of changes'), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const before = decodeCursor(cursor, z.tuple([z.number().int()]))?.[0];
      const changes = await listConfigChanges(deps.db, c.get('siteId'), { limit: limit + 1, before });
      return c.json(pageOf(changes, limit, (change) => [change.id], changeOf), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get', path: '/sites/{siteId}/configuration/changes/{changeId}', tags: ['configuration'], security: bearerAuth,
      summary: 'One configuration change',
      middleware: guarded(deps, 'admin'),
      request: { params: changeParams },
      responses: { 200: json(changeSchema, 'The change'), ...errors(400, 401, 403, 404) },
    }),
    async (c) => {
      const change = await findConfigChange(deps.db, c.get('siteId'), c.req.valid('param').changeId);
      if (!change) throw notFound('configuration change');
      return c.json(changeOf(change), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post', path: '/sites/{siteId}/configuration/changes/{changeId}/rollback', tags: ['configuration'], security: bearerAuth,
      summary: 'Validate, diff or apply the configuration of an earlier change again (a rollback is itself a new change)',
      middleware: guarded(deps, 'admin'),
      request: {
        params: changeParams,
        query: modeQuery('validate: check its files still validate; diff: also what rolling back would change; apply: roll back'),
      },
      responses: {
        200: json(resultSchema, 'Valid; with mode=apply, rolled back'),
        409: json(errorSchema, 'The change was applied before files were kept: there is nothing to roll back to'),
        422: json(invalidSchema, 'The files of that change no longer validate: nothing was changed'),
        ...errors(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const siteId = c.get('siteId');
      const { changeId } = c.req.valid('param');
      const { mode } = c.req.valid('query');
      const name = await siteName(deps, siteId);
      const outcome = await rollBackConfiguration(deps.db, { siteId, siteName: name }, changeId, { by: c.get('principal').email, apply: mode === 'apply' })
        .catch((error: unknown) => {
          if (error instanceof ConfigChangeNotFoundError) throw notFound('configuration change');
          if (error instanceof ConfigChangeWithoutFilesError) throw new ApiError(409, 'no_files', error.message);
          throw error;
        });
      const answer = configurationAnswer(name, outcome.loaded, mode);
      if (!outcome.valid) return c.json(answer.invalid, 422);
      if (mode === 'validate') return c.json(answer.valid, 200);
      if (!outcome.applied) return c.json({ ...answer.valid, diff: outcome.diff }, 200);
      await announceApply(deps, siteId, outcome.applied, `by rolling back to change ${changeId}`);
      return c.json({ ...answer.valid, diff: outcome.diff, applied: appliedOf(outcome.applied) }, 200);
    },
  );
};
