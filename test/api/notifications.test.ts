/**
 * The notifications API: what was sent, cancelled and given up, per site, and sending a dead
 * one again. Rows come from the notifier's own store functions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notificationRoutes } from '#api/routes/notifications.ts';
import { insertNotifications } from '#notify/notification-store.ts';
import { applySite, T } from '../scheduler/fixtures.ts';
import { badFields, createTestApi } from '../actions/api-fixture.ts';
import { withTestDatabase } from '../helpers/database.ts';

const { sql } = await withTestDatabase();
const SITE = '<command name="c" engine="http"/><host name="h" address="10.0.0.1"><service name="s"><check-command command="c"/></service></host>';
const shop = await applySite(sql, SITE, 'shop');
const other = await applySite(sql, SITE, 'other');
const api = createTestApi(sql, [notificationRoutes], { sites: [shop.siteId, other.siteId], nowMs: T });

const detail = { checkId: shop.checks.get('h/s')!, kind: 'service', name: 's', host: 'h', status: 'CRITICAL', previousStatus: 'OK', output: 'down', sinceMs: T };
await insertNotifications(sql, ['alice', 'bob', 'carol'].map((contact, i) => ({
  siteId: shop.siteId, alertId: null, checkId: shop.checks.get('h/s')!, contact, channel: 'email' as const, kind: 'problem' as const,
  detail, dueAtMs: T + i, createdAtMs: T + i,
})));
await sql`update notification set status = 'dead', attempts = 5, last_error = '550 no such mailbox' where contact = 'bob'`;
await sql`update notification set status = 'sent', sent_at = ${new Date(T + 5_000)} where contact = 'carol'`;
await insertNotifications(sql, [{ siteId: other.siteId, alertId: null, checkId: other.checks.get('h/s')!, contact: 'mallory', channel: 'webhook', kind: 'problem', detail, dueAtMs: T, createdAtMs: T }]);
const list = (query = '', siteId = shop.siteId) => api.call('GET', `/sites/${siteId}/notifications${query}`, { as: 'viewer' });

test('a site lists its own notifications, newest first, by status and check, page by page', async () => {
  const all = await list();
  assert.equal(all.status, 200);
  assert.deepEqual(all.body.items.map((n: any) => `${n.contact} ${n.status}`), ['carol sent', 'bob dead', 'alice pending']);
  const carol = all.body.items[0];
  assert.deepEqual([carol.channel, carol.kind, carol.sentAt, carol.nextAttemptAt, carol.detail.output], ['email', 'problem', new Date(T + 5_000).toISOString(), null, 'down']);
  assert.equal(all.body.items[2].nextAttemptAt, new Date(T).toISOString());

  const dead = await list('?status=dead');
  assert.deepEqual(dead.body.items.map((n: any) => [n.contact, n.attempts, n.lastError]), [['bob', 5, '550 no such mailbox']]);
  assert.deepEqual((await list(`?checkId=${other.checks.get('h/s')}`)).body.items, [], "another site's check: nothing");
  const page = await list('?limit=2');
  const rest = await list(`?limit=2&cursor=${page.body.nextCursor}`);
  assert.deepEqual([...page.body.items, ...rest.body.items].map((n: any) => n.contact), ['carol', 'bob', 'alice']);
  const bad = await list('?status=lost');
  assert.deepEqual([bad.status, badFields(bad.body)], [400, ['query.status']]);
});

test('a dead notification is sent again: pending, its tries counted afresh; only dead ones, only in its site', async () => {
  const [bob] = (await list('?status=dead')).body.items;
  assert.equal((await api.call('POST', `/sites/${shop.siteId}/notifications/${bob.id}/retry`, { as: 'viewer' })).status, 403);
  assert.equal((await api.call('POST', `/sites/${other.siteId}/notifications/${bob.id}/retry`, { as: 'operator' })).status, 404);
  const retried = await api.call('POST', `/sites/${shop.siteId}/notifications/${bob.id}/retry`, { as: 'operator' });
  assert.equal(retried.status, 200);
  assert.deepEqual([retried.body.status, retried.body.attempts, retried.body.lastError, retried.body.nextAttemptAt], ['pending', 0, null, new Date(T).toISOString()]);
  assert.equal((await api.call('POST', `/sites/${shop.siteId}/notifications/${bob.id}/retry`, { as: 'operator' })).status, 404, 'no longer dead');
});
