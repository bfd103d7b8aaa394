import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { configurationRoutes } from '#api/routes/configuration.ts';
import { MAX_CONFIGURATION_BODY_BYTES } from '#actions/limits.ts';
import { badFields, createTestApi } from '../actions/api-fixture.ts';
import { withTestDatabase } from '../helpers/database.ts';

const { sql } = await withTestDatabase();

const [shop] = await sql<{ id: string }[]>`insert into site (name) values ('shop') returning id`;
const [other] = await sql<{ id: string }[]>`insert into site (name) values ('other') returning id`;
const api = createTestApi(sql, [configurationRoutes], { sites: [shop!.id, other!.id] });
const upload = (mode: string, files: Record<string, string>, as: 'admin' | 'operator' = 'admin') =>
  api.call('POST', `/sites/${shop!.id}/configuration?mode=${mode}`, { as, body: { files } });

const COMMANDS = `<bergamot site="shop">
  <command name="http-check" engine="http"><parameter name="port">80</parameter></command>
  <group name="web"/>
</bergamot>`;
const hosts = (every: string, extra = '') => `<bergamot site="shop">
  <host name="web-1" address="10.0.0.1" groups="web">
    <service name="http" groups="web"><check-command command="http-check"/><schedule every="${every}"/></service>
    ${extra}
  </host>
</bergamot>`;

async function checkNames(siteId: string): Promise<string[]> {
  return (await sql<{ name: string }[]>`select name from "check" where site_id = ${siteId} order by name`).map((r) => r.name);
}

describe('configuration upload', () => {
  test('validate: the objects found and the warnings; nothing is stored', async () => {
    const unusedTemplate = '<bergamot site="shop">\n  <service name="unused" template="yes"><check-command command="nope"/></service>\n</bergamot>';
    const response = await upload('validate', { 'commands.xml': COMMANDS, 'hosts.xml': hosts('5m'), 'templates.xml': unusedTemplate });
    assert.equal(response.status, 200);
    assert.deepEqual([response.body.site, response.body.errors, response.body.warnings], ['shop', 0, 1]);
    assert.deepEqual(response.body.diagnostics.map((d: any) => `${d.file}:${d.line}:${d.column} ${d.severity}`), ['templates.xml:2:56 warning']);
    assert.deepEqual([response.body.counts.hosts, response.body.counts.services, response.body.counts.commands], [1, 1, 1]);
    assert.equal(response.body.diff, undefined);
    assert.deepEqual(await checkNames(shop!.id), []);
  });

  test('errors: 422 with every diagnostic at its file:line:column, and nothing changes', async () => {
    const response = await upload('apply', { 'commands.xml': COMMANDS, 'hosts.xml': hosts('5m').replace('command="http-check"', 'command="http-chek"').replace('every="5m"', 'every="soon"') });
    assert.equal(response.status, 422);
    assert.equal(response.body.error.code, 'invalid_configuration');
    assert.match(response.body.error.message, /^2 errors in the configuration; nothing was applied$/);
    assert.deepEqual(
      response.body.diagnostics.map((d: any) => `${d.file}:${d.line}:${d.column} ${d.message}`),
      [
        "hosts.xml:3:54 unknown command 'http-chek' (used by service 'http')",
        "hosts.xml:3:85 bad duration 'soon' for every",
      ],
    );
    assert.deepEqual(await checkNames(shop!.id), []);
  });

  test("a file that names another site is refused at its site attribute: an admin of one site cannot write another's", async () => {
    const response = await upload('apply', { 'commands.xml': COMMANDS, 'theirs.xml': '<bergamot site="other">\n  <host name="intruder" address="10.9.9.9"/>\n</bergamot>' });
    assert.equal(response.status, 422);
    assert.deepEqual(response.body.diagnostics.map((d: any) => [d.file, d.line, d.column, d.message]), [
      ['theirs.xml', 1, 11, "this file is for site 'other', but it was uploaded to site 'shop'"],
    ]);
    assert.deepEqual(await checkNames(other!.id), []);
  });

  test('diff, then apply online: checks still configured keep their state; who applied it is recorded; the roll-up is pushed', async () => {
    const first = await upload('apply', { 'commands.xml': COMMANDS, 'hosts.xml': hosts('5m', '<service name="ssh"><check-command command="http-check"/></service>') });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.diff.added.map((r: any) => `${r.kind} ${r.host ?? ''}/${r.name}`), [
      'group /web', 'command /http-check', 'host /web-1', 'service web-1/http', 'service web-1/ssh',
    ]);
    assert.deepEqual([first.body.applied.counts.checks, first.body.applied.removedChecks], [3, 0]);
    assert.deepEqual(await checkNames(shop!.id), ['http', 'ssh', 'web-1']);
    await sql`update check_state set status = 4, hard_status = 4 where check_id = (select id from "check" where site_id = ${shop!.id} and name = 'http')`;

    const next = { 'commands.xml': COMMANDS, 'hosts.xml': hosts('1m') };
    const diff = await upload('diff', next);
    assert.equal(diff.status, 200);
    assert.deepEqual(diff.body.diff, {
      added: [],
      changed: [{ kind: 'service', name: 'http', host: 'web-1', fields: ['schedule'] }],
      removed: [{ kind: 'service', name: 'ssh', host: 'web-1' }],
    });
    assert.equal(diff.body.applied, undefined);
    assert.deepEqual(await checkNames(shop!.id), ['http', 'ssh', 'web-1'], 'a diff changes nothing');

    const pushes = api.push.published.length;
    const applied = await upload('apply', next);
    assert.equal(applied.status, 200);
    assert.deepEqual(applied.body.diff, diff.body.diff);
    assert.equal(applied.body.applied.removedChecks, 1);
    assert.deepEqual(await checkNames(shop!.id), ['http', 'web-1']);
    const [http] = await sql`select c.every_s, s.status from "check" c join check_state s on s.check_id = c.id where c.site_id = ${shop!.id} and c.name = 'http'`;
    assert.deepEqual([http!.every_s, http!.status], [60, 4]);
    const [change] = await sql`select applied_by from config_change where site_id = ${shop!.id} order by id desc limit 1`;
    assert.equal(change!.applied_by, 'admin@example.com');
    assert.equal(api.push.published.length, pushes + 1);
    assert.deepEqual(api.push.published.at(-1)!.groups.map((g) => [g.name, g.total, g.critical]), [['web', 2, 1]]);

    const again = await upload('diff', next);
    assert.deepEqual(again.body.diff, { added: [], changed: [], removed: [] });
  });

  test('admins only; the body is checked: at least one file, and no bigger than the limit', async () => {
    assert.equal((await upload('validate', { 'a.xml': COMMANDS }, 'operator')).status, 403);
    const none = await upload('validate', {});
    assert.deepEqual([none.status, badFields(none.body)], [400, ['files']]);
    const badMode = await upload('publish', { 'a.xml': COMMANDS });
    assert.deepEqual([badMode.status, badFields(badMode.body)], [400, ['query.mode']]);
    const huge = await upload('validate', { 'a.xml': 'x'.repeat(MAX_CONFIGURATION_BODY_BYTES) });
    assert.equal(huge.status, 413);
  });
});

describe('configuration history and rollback', () => {
  const changes = (siteId = shop!.id, query = '', as: 'admin' | 'operator' = 'admin') =>
    api.call('GET', `/sites/${siteId}/configuration/changes${query}`, { as });
  const rollback = (changeId: number, mode: string, siteId = shop!.id) =>
    api.call('POST', `/sites/${siteId}/configuration/changes/${changeId}/rollback?mode=${mode}`, { as: 'admin' });

  test('every apply is listed newest first with who applied it, what it wrote and its files; pages by cursor', async () => {
    const listed = await changes();
    assert.equal(listed.status, 200);
    const [latest, previous] = listed.body.items;
    assert.deepEqual([latest.appliedBy, latest.rollbackOf, latest.files.map((f: any) => f.path)], ['admin@example.com', null, ['commands.xml', 'hosts.xml']]);
    assert.deepEqual([latest.summary.checks, latest.summary.writtenChecks, latest.summary.removedChecks], [2, 2, 1]);
    assert.ok(latest.id > previous.id && Date.parse(latest.appliedAt) >= Date.parse(previous.appliedAt));
    assert.equal(latest.files[0].digest, previous.files[0].digest, 'commands.xml did not change between the two');
    assert.notEqual(latest.files[1].digest, previous.files[1].digest);

    const page = await changes(shop!.id, '?limit=1');
    assert.deepEqual(page.body.items.map((c: any) => c.id), [latest.id]);
    const rest = await changes(shop!.id, `?limit=1&cursor=${page.body.nextCursor}`);
    assert.deepEqual(rest.body.items.map((c: any) => c.id), [previous.id]);

    const one = await api.call('GET', `/sites/${shop!.id}/configuration/changes/${previous.id}`, { as: 'admin' });
    assert.deepEqual(one.body, previous);
    assert.equal((await changes(shop!.id, '', 'operator')).status, 403);
  });

  test('rolling back: diff shows what it changes; apply restores the earlier configuration as a new change, states kept', async () => {
    const [, original] = (await changes()).body.items;
    const diff = await rollback(original.id, 'diff');
    assert.equal(diff.status, 200);
    assert.deepEqual(diff.body.diff, {
      added: [{ kind: 'service', name: 'ssh', host: 'web-1' }],
      changed: [{ kind: 'service', name: 'http', host: 'web-1', fields: ['schedule'] }],
      removed: [],
    });
    assert.deepEqual(await checkNames(shop!.id), ['http', 'web-1'], 'a diff changes nothing');

    const applied = await rollback(original.id, 'apply');
    assert.equal(applied.status, 200);
    assert.deepEqual(await checkNames(shop!.id), ['http', 'ssh', 'web-1']);
    const [http] = await sql`select c.every_s, s.status from "check" c join check_state s on s.check_id = c.id where c.site_id = ${shop!.id} and c.name = 'http'`;
    assert.deepEqual([http!.every_s, http!.status], [300, 4], 'back to every 5 minutes, still CRITICAL');
    const [latest] = (await changes()).body.items;
    assert.deepEqual([latest.id, latest.rollbackOf, latest.files], [applied.body.applied.changeId, original.id, original.files]);
  });

  test("a change of another site is not found; one without kept files cannot be rolled back to; files that no longer validate change nothing", async () => {
    const [mine] = (await changes()).body.items;
    assert.equal((await rollback(mine.id, 'apply', other!.id)).status, 404);
    assert.equal((await api.call('GET', `/sites/${other!.id}/configuration/changes/${mine.id}`, { as: 'admin' })).status, 404);
    assert.equal((await rollback(999_999, 'diff')).status, 404);

    const [legacy] = await sql<{ id: number }[]>`insert into config_change (site_id, applied_by) values (${shop!.id}, 'before 010') returning id`;
    const refused = await rollback(legacy!.id, 'apply');
    assert.deepEqual([refused.status, refused.body.error.code], [409, 'no_files']);

    const broken = '<bergamot site="shop">\n  <host name="web-1" address="10.0.0.1"><service name="x"><check-command command="gone"/></service></host>\n</bergamot>';
    await sql`insert into config_file (site_id, digest, text) values (${shop!.id}, 'broken', ${broken})`;
    const [stale] = await sql<{ id: number }[]>`
      insert into config_change (site_id, applied_by, source) values (${shop!.id}, 'test', ${sql.json([{ path: 'hosts.xml', digest: 'broken' }])}) returning id`;
    const before = await checkNames(shop!.id);
    const invalid = await rollback(stale!.id, 'apply');
    assert.equal(invalid.status, 422);
    assert.deepEqual(invalid.body.diagnostics.map((d: any) => `${d.file}:${d.line}`), ['hosts.xml:2']);
    assert.deepEqual(await checkNames(shop!.id), before);
  });
});
