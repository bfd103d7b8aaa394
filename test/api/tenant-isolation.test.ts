/**
 * Tenant isolation, proved over every operation the API documents: a user of site A can neither
 * read nor change anything of site B, whatever ids it puts in the path or the body, and an API
 * token limited to a role cannot act beyond it. The operations come from the live OpenAPI
 * document of the app built from `apiRoutes`, so routes added later are walked too.
 *
 * Site B's rows (every table with a `site_id`, and user b's account and tokens) are snapshotted
 * before and compared after; every answer to user a is searched for anything of B it did not
 * send itself (B's ids, and the word "bravo" that all of B's names carry).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusRank } from '#core/status.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import { apiHarness, START_MS, type Answer } from '../helpers/api-app.ts';
import { loadXml, onlySite } from '../helpers/config.ts';
import { withTestDatabase } from '../helpers/database.ts';
import { operationsOf, pathParameters, resolve, sampleOf, schemaErrors, type OpenApiDocument, type Operation } from '../helpers/openapi.ts';

const { sql } = await withTestDatabase();
const api = apiHarness(sql);

/** One small site; every name carries the site's word, so its data is easy to spot in an answer. */
const siteXml = (word: string) => `
  <location name="${word}-eu" region="eu-west-1"/>
  <group name="${word}-all"/>
  <group name="${word}-web" groups="${word}-all"/>
  <command name="${word}-http" engine="http"><parameter name="port">80</parameter></command>
  <host name="${word}-web-1" address="127.0.0.1" groups="${word}-web" location="${word}-eu">
    <check-command command="${word}-http"/>
    <service name="${word}-page" groups="${word}-web"><check-command command="${word}-http"/></service>
    <trap name="${word}-backup" groups="${word}-web"/>
  </host>
  <cluster name="${word}-cluster" groups="${word}-all">
    <condition>majority of hosts in pool 'web'</condition>
    <resource name="${word}-resource"><condition>majority of service 'page' on hosts in pool 'web'</condition></resource>
  </cluster>`;

async function seedSite(word: string, token: string) {
  const site = await api.createSite(token, word);
  const loaded = loadXml({ 'site.xml': siteXml(word) }, word);
  // With its files, so that the configuration history has a change to aim at and roll back to.
  await applySiteConfiguration(sql, onlySite(loaded), 'test', { source: loaded.files.get(word)! });
  const [check] = await sql<{ id: string }[]>`select id from "check" where site_id = ${site.id} and kind = 'service'`;
  const [group] = await sql<{ id: string }[]>`select id from check_group where site_id = ${site.id} and name = ${`${word}-web`}`;
  await sql`
    update check_state set status = ${statusRank('CRITICAL')}, hard_status = ${statusRank('CRITICAL')}, output = ${`${word} is down`},
      last_result_at = ${new Date(START_MS)}, last_change_at = ${new Date(START_MS)}
    where check_id = ${check!.id}`;
  await sql`
    insert into check_transition (site_id, check_id, at, from_status, to_status, from_hard, to_hard, attempt, output)
    values (${site.id}, ${check!.id}, ${new Date(START_MS - 60_000)}, ${statusRank('OK')}, ${statusRank('CRITICAL')}, true, true, 1, ${`${word} is down`})`;
  await sql`
    insert into reading (site_id, check_id, at, name, value, unit)
    values (${site.id}, ${check!.id}, ${new Date(START_MS - 60_000)}, ${`${word}-time`}, 0.25, 's')`;
  // An agent's metric: its check's host is in the site's location, so both metrics routes find it.
  await sql`insert into agent_metric (check_id, name, site_id, value, at) values (${check!.id}, ${`${word}-load`}, ${site.id}, 0.5, ${new Date(START_MS)})`;
  // A dead notification, for the notifications list and its retry to aim at.
  await sql`
    insert into notification (site_id, check_id, contact, channel, kind, detail, status, attempts, next_attempt_at, created_at, last_error)
    values (${site.id}, ${check!.id}, ${`${word}-oncall`}, 'email', 'problem', ${sql.json({ name: `${word}-page`, status: 'CRITICAL' })},
            'dead', 5, ${new Date(START_MS)}, ${new Date(START_MS)}, ${`${word}: 550 no such mailbox`})`;
  return { siteId: site.id, checkId: check!.id, groupId: group!.id };
}

const a = await api.signup('a@alpha.example', 'alpha admin');
const b = await api.signup('b@bravo.example', 'bravo admin');
const siteA = await seedSite('alpha', a.token);
const siteB = await seedSite('bravo', b.token);
// More of B for the walk to aim at: a member, an API token.
await api.signup('c@bravo.example', 'bravo viewer');
await api.call('POST', `/sites/${siteB.siteId}/members`, { token: b.token, body: { email: 'c@bravo.example', role: 'viewer' } });
await api.call('POST', '/tokens', { token: b.token, body: { name: 'bravo-ci', siteId: siteB.siteId, role: 'operator' } });

const document = (await api.call<OpenApiDocument>('GET', '/openapi.json')).body;
const operations = operationsOf(document);

/**
 * Ids for a path's parameters, as `who` sees them in its site: siteId, checkId and groupId from
 * the seed; any other `{xId}` from the first item of the list the path sits under
 * (`/sites/{siteId}/downtimes/{downtimeId}` -> `GET /sites/{siteId}/downtimes`), so that routes
 * added later are aimed at real rows when their lists have any.
 */
async function idsFor(path: string, site: typeof siteA, token: string): Promise<Record<string, string>> {
  const ids: Record<string, string> = { siteId: site.siteId, checkId: site.checkId, groupId: site.groupId };
  for (const name of pathParameters(path)) {
    if (ids[name]) continue;
    const listPath = path.slice(0, path.indexOf(`/{${name}}`));
    let found: string | undefined;
    if (document.paths[listPath]?.get) {
      const list = await api.call('GET', fill(listPath, ids), { token });
      found = list.body?.items?.[0]?.id;
    }
    ids[name] = found ?? '00000000-0000-4000-8000-00000000dead';
  }
  return ids;
}

function fill(path: string, ids: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? 'unknown');
}

/** The request for an operation: path with ids, required query parameters, a schema-valid body. */
function requestFor(operation: Operation, ids: Record<string, string>) {
  const query = operation.parameters
    .filter((p) => p.in === 'query' && p.required)
    .map((p) => `${p.name}=${encodeURIComponent(String(sampleOf(p.schema, document, { nowMs: START_MS })))}`);
  const path = fill(operation.path, ids) + (query.length ? `?${query.join('&')}` : '');
  const body = operation.body ? sampleOf(operation.body, document, { byName: ids, nowMs: START_MS }) : undefined;
  return { path, body };
}

/** Every row of a site (each table with a site_id) and of one user, as text to compare. */
async function snapshot(siteId: string, userId?: string): Promise<Record<string, string>> {
  const tables = await sql<{ name: string }[]>`
    select c.relname as name
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attname = 'site_id' and not a.attisdropped
    where n.nspname = current_schema() and c.relkind in ('r', 'p') and not c.relispartition
    order by 1`;
  const rows: Record<string, string> = {};
  const dump = async (label: string, from: string, where: string, id: string) => {
    // When a token was last used is the caller's own bookkeeping, not the site's data.
    const [row] = await sql.unsafe<{ rows: string }[]>(
      `select coalesce(json_agg(to_jsonb(x) - 'last_used_at' order by x::text), '[]')::text as rows from ${from} x where ${where} = $1`, [id]);
    rows[label] = row!.rows;
  };
  for (const { name } of tables) await dump(name, `"${name}"`, 'site_id', siteId);
  await dump('site', 'site', 'id', siteId);
  if (userId) {
    await dump('user_account', 'user_account', 'id', userId);
    await dump('api_token', 'api_token', 'user_id', userId);
  }
  assert.ok(tables.length >= 10, 'the snapshot sees the site tables');
  return rows;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** B's ids (every uuid in its rows) and its word: what no answer to user a may hold unless a sent it. */
function secretsOf(rows: Record<string, string>): Set<string> {
  return new Set([...Object.values(rows).join(' ').matchAll(UUID)].map((m) => m[0].toLowerCase()).concat(['bravo']));
}

function assertNothingOf(secrets: Set<string>, answer: Answer, sent: string, what: string) {
  const text = answer.text.toLowerCase();
  const sentText = sent.toLowerCase();
  for (const secret of secrets) {
    if (text.includes(secret) && !sentText.includes(secret)) assert.fail(`${what} answered ${answer.status} with B's '${secret}': ${answer.text.slice(0, 300)}`);
  }
}

const isNoRoute = (answer: Answer) => answer.status === 404 && /^no route /.test(answer.body?.error?.message ?? '');

/**
 * B is also given whatever the API itself creates (downtimes, acknowledgements, uptime URLs...):
 * b calls every site operation that creates or changes something once, with a schema-valid body,
 * so that the walk below finds real rows of B behind every kind of id.
 */
const seededThroughApi: string[] = [];
for (const operation of operations.filter((o) => o.path.includes('{siteId}') && ['POST', 'PUT', 'PATCH'].includes(o.method))) {
  const { path, body } = requestFor(operation, await idsFor(operation.path, siteB, b.token));
  const answer = await api.call(operation.method, path, { token: b.token, body });
  if (answer.status < 300) seededThroughApi.push(`${operation.method} ${operation.path}`);
}

test('user a gets 404 (or 403) for every operation on site B, whatever B ids it names, and nothing of B changes or shows', async (t) => {
  const before = await snapshot(siteB.siteId, b.userId);
  const secrets = secretsOf(before);
  let siteOperations = 0;
  for (const operation of operations) {
    const what = `${operation.method} ${operation.path}`;
    const bIds = await idsFor(operation.path, siteB, b.token);
    if (operation.path.includes('{siteId}')) {
      siteOperations++;
      // B's site and B's objects; then a's own site with B's objects in it.
      const mixed = { ...bIds, siteId: siteA.siteId };
      const variants = pathParameters(operation.path).length > 1 ? [bIds, mixed] : [bIds];
      for (const ids of variants) {
        const { path, body } = requestFor(operation, ids);
        const answer = await api.call(operation.method, path, { token: a.token, body });
        const label = `${operation.method} ${path}`;
        assert.ok(!isNoRoute(answer), `${label}: the document lists a route the app does not have`);
        if (ids === bIds) assert.ok([403, 404].includes(answer.status), `${label} as a: ${answer.status} ${answer.text.slice(0, 300)}`);
        else assert.ok(answer.status >= 400 && answer.status < 500, `${label} (a's site, B's ids) as a: ${answer.status} ${answer.text.slice(0, 300)}`);
        assertNothingOf(secrets, answer, JSON.stringify({ path, body }), label);
      }
    } else {
      // Not site-scoped: B's ids go into the body (`siteId`...) and the path (`{tokenId}`...).
      const { path, body } = requestFor(operation, bIds);
      const answer = await api.call(operation.method, path, { token: a.token, body });
      assertNothingOf(secrets, answer, JSON.stringify({ path, body }), what);
      if (pathParameters(operation.path).length > 0) assert.ok([403, 404].includes(answer.status), `${what} with B's ids: ${answer.status}`);
    }
  }
  t.diagnostic(`${operations.length} operations walked, ${siteOperations} of them site-scoped; B seeded through: ${seededThroughApi.join(', ') || 'nothing (no operation creates anything in a site)'}`);
  assert.deepEqual(await snapshot(siteB.siteId, b.userId), before, "site B's rows are as they were");
});

test("a token limited to site A as viewer reads A but changes nothing there, and has no site B", async () => {
  const made = await api.call('POST', '/tokens', { token: a.token, body: { name: 'alpha-viewer', siteId: siteA.siteId, role: 'viewer' } });
  const viewer = made.body.token as string;
  const before = await snapshot(siteA.siteId);
  for (const operation of operations.filter((o) => o.path.includes('{siteId}'))) {
    const { path, body } = requestFor(operation, await idsFor(operation.path, siteA, a.token));
    const answer = await api.call(operation.method, path, { token: viewer, body });
    const label = `${operation.method} ${path} with a viewer token`;
    if (operation.method === 'GET') assert.ok(answer.status < 500 && !isNoRoute(answer), `${label}: ${answer.status}`);
    else assert.equal(answer.status, 403, `${label}: ${answer.text.slice(0, 300)}`);
    const onB = requestFor(operation, await idsFor(operation.path, siteB, b.token));
    assert.equal((await api.call(operation.method, onB.path, { token: viewer, body: onB.body })).status, 404, `${operation.method} ${onB.path} with a's token`);
  }
  assert.equal((await api.call('POST', '/sites', { token: viewer, body: { name: 'alpha-2' } })).status, 403);
  assert.equal((await api.call('POST', '/tokens', { token: viewer, body: { name: 'wider' } })).status, 403);
  assert.deepEqual(await snapshot(siteA.siteId), before, "site A's rows are as they were");

  const operator = (await api.call('POST', '/tokens', { token: a.token, body: { name: 'alpha-operator', siteId: siteA.siteId, role: 'operator' } })).body.token;
  const promote = await api.call('POST', `/sites/${siteA.siteId}/members`, { token: operator, body: { email: 'c@bravo.example', role: 'admin' } });
  assert.equal(promote.status, 403, 'an operator token cannot manage members');
  assert.equal((await api.call('GET', `/sites/${siteA.siteId}`, { token: operator })).body.role, 'operator');
});

test('every documented operation is routed, every route is documented, and 2xx answers match their documented schema', async () => {
  const documented = new Set(operations.map((o) => `${o.method} ${o.path.replace(/\{(\w+)\}/g, ':$1')}`));
  const routed = new Set(api.app.routes
    .filter((r) => r.path.startsWith('/api/v1/') && r.method !== 'ALL' && !r.path.endsWith('/openapi.json'))
    .map((r) => `${r.method} ${r.path.slice('/api/v1'.length)}`));
  assert.deepEqual([...routed].filter((r) => !documented.has(r)), [], 'routes missing from the document');

  const answered: string[] = [];
  for (const operation of operations) {
    const ids = await idsFor(operation.path, siteA, a.token);
    const { path, body } = requestFor(operation, ids);
    const answer = await api.call(operation.method, path, { token: a.token, body });
    assert.ok(!isNoRoute(answer), `${operation.method} ${operation.path}: no route`);
    assert.ok(answer.status < 500, `${operation.method} ${path}: ${answer.status} ${answer.text.slice(0, 300)}`);
    const documentedAnswer = operation.responses[String(answer.status)];
    assert.ok(documentedAnswer, `${operation.method} ${operation.path} answered ${answer.status}, which its entry does not list`);
    const schema = documentedAnswer.content?.['application/json']?.schema;
    if (schema && answer.text) assert.deepEqual(schemaErrors(answer.body, schema, document), [], `${operation.method} ${path} (${answer.status})`);
    answered.push(`${answer.status} ${operation.method} ${operation.path}`);
  }
  assert.ok(answered.filter((line) => line.startsWith('2')).length >= 20, answered.join('\n'));
  assert.ok(resolve({ $ref: '#/components/schemas/Check' }, document).properties?.status, 'components are shared');
});
