import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applySiteConfiguration } from '#store/site-config.ts';
import { apiHarness } from '../helpers/api-app.ts';
import { loadXml, onlySite } from '../helpers/config.ts';
import { withTestDatabase } from '../helpers/database.ts';

const { sql } = await withTestDatabase();
const api = apiHarness(sql);

test('creating a site makes the caller its admin; names are unique and must suit <bergamot site="...">', async () => {
  const { token, userId } = await api.signup('founder@example.com');
  const created = await api.call('POST', '/sites', { token, body: { name: 'acme-prod' } });
  assert.equal(created.status, 201);
  assert.equal(created.body.name, 'acme-prod');
  assert.equal(created.body.role, 'admin');
  const [member] = await sql<{ role: string }[]>`select role from site_member where site_id = ${created.body.id} and user_id = ${userId}`;
  assert.equal(member!.role, 'admin');

  const taken = await api.call('POST', '/sites', { token, body: { name: 'acme-prod' } });
  assert.equal(taken.status, 409);
  assert.equal(taken.body.error.code, 'site_name_taken');
  const bad = await api.call('POST', '/sites', { token, body: { name: '-no spaces<>' } });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body.error.fields.map((f: { path: string }) => f.path), ['name']);
  assert.equal((await api.call('POST', '/sites', { body: { name: 'anonymous' } })).status, 401);
});

test('my sites: only those I have a role in, by name, page by page; one site with its counts', async () => {
  const { token } = await api.signup('lister@example.com');
  const { token: stranger } = await api.signup('stranger@example.com');
  for (const name of ['list-c', 'list-a', 'list-b']) await api.createSite(token, name);
  await api.createSite(stranger, 'list-not-mine');

  const first = await api.call('GET', '/sites?limit=2', { token });
  assert.deepEqual(first.body.items.map((s: { name: string }) => s.name), ['list-a', 'list-b']);
  const second = await api.call('GET', `/sites?limit=2&cursor=${first.body.nextCursor}`, { token });
  assert.deepEqual(second.body.items.map((s: { name: string }) => s.name), ['list-c']);
  assert.equal(second.body.nextCursor, null);

  const site = first.body.items[0];
  await applySiteConfiguration(sql, onlySite(loadXml({
    'site.xml': '<location name="here"/><group name="g"/><host name="h1"><service name="s"/></host><host name="h2"/>',
  }, 'list-a')), 'test');
  const one = await api.call('GET', `/sites/${site.id}`, { token });
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, { ...site, counts: { hosts: 2, checks: 3, groups: 1, locations: 1 } });
  assert.equal((await api.call('GET', `/sites/${site.id}`, { token: stranger })).status, 404);
  assert.equal((await api.call('GET', '/sites/not-a-uuid', { token })).status, 404);
});

test('members: an admin gives roles by e-mail address; roles decide what each may do', async () => {
  const admin = await api.signup('owner@example.com');
  const viewer = await api.signup('Watcher@Example.com', 'Watcher');
  const site = await api.createSite(admin.token, 'members-site');
  const members = `/sites/${site.id}/members`;

  const added = await api.call('POST', members, { token: admin.token, body: { email: 'watcher@example.com', role: 'viewer' } });
  assert.equal(added.status, 201);
  assert.deepEqual(added.body, { id: viewer.userId, email: 'Watcher@Example.com', name: 'Watcher', role: 'viewer' });
  assert.deepEqual((await api.call('GET', '/me', { token: viewer.token })).body.sites, [{ id: site.id, name: 'members-site', role: 'viewer' }]);

  // A viewer reads the site but manages nobody.
  assert.equal((await api.call('GET', `/sites/${site.id}`, { token: viewer.token })).status, 200);
  assert.equal((await api.call('GET', members, { token: viewer.token })).status, 403);
  assert.equal((await api.call('POST', members, { token: viewer.token, body: { email: 'watcher@example.com', role: 'admin' } })).status, 403);

  const changed = await api.call('POST', members, { token: admin.token, body: { email: 'watcher@example.com', role: 'operator' } });
  assert.equal(changed.status, 200);
  assert.equal(changed.body.role, 'operator');
  assert.equal((await api.call('POST', members, { token: viewer.token, body: { email: 'watcher@example.com', role: 'admin' } })).status, 403, 'an operator is no admin');

  const listed = await api.call('GET', `${members}?limit=1`, { token: admin.token });
  assert.deepEqual(listed.body.items.map((m: { email: string; role: string }) => [m.email, m.role]), [['owner@example.com', 'admin']]);
  const rest = await api.call('GET', `${members}?cursor=${listed.body.nextCursor}`, { token: admin.token });
  assert.deepEqual(rest.body.items.map((m: { email: string; role: string }) => [m.email, m.role]), [['Watcher@Example.com', 'operator']]);

  const nobody = await api.call('POST', members, { token: admin.token, body: { email: 'nobody@example.com', role: 'viewer' } });
  assert.equal(nobody.status, 404);
  assert.deepEqual(nobody.body.error.fields.map((f: { path: string }) => f.path), ['email']);
  const invalid = await api.call('POST', members, { token: admin.token, body: { email: 'x', role: 'owner' } });
  assert.equal(invalid.status, 400);
  assert.deepEqual(invalid.body.error.fields.map((f: { path: string }) => f.path).sort(), ['email', 'role']);
});

test('the last admin cannot be demoted; with a second admin, either may step down', async () => {
  const first = await api.signup('first-admin@example.com');
  const second = await api.signup('second-admin@example.com');
  const site = await api.createSite(first.token, 'admins-site');
  const members = `/sites/${site.id}/members`;
  const demoteFirst = () => api.call('POST', members, { token: first.token, body: { email: 'first-admin@example.com', role: 'viewer' } });

  const refused = await demoteFirst();
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'last_admin');

  assert.equal((await api.call('POST', members, { token: first.token, body: { email: 'second-admin@example.com', role: 'admin' } })).status, 201);
  assert.equal((await demoteFirst()).status, 200);
  const demoteSecond = await api.call('POST', members, { token: second.token, body: { email: 'second-admin@example.com', role: 'operator' } });
  assert.equal(demoteSecond.status, 409);
});
