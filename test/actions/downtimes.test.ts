import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Database } from '#store/database.ts';
import { applyDowntimes, scheduleDowntime } from '#actions/downtimes.ts';
import { withTestDatabase } from '../helpers/database.ts';
import { insertHealthyChecks } from '../helpers/healthy-checks.ts';
import { applySite } from '../scheduler/fixtures.ts';

const { sql } = await withTestDatabase();

const HOUR = 3_600_000;
const T = Date.parse('2026-05-01T00:00:00Z');

async function inDowntime(checkIds: readonly string[]): Promise<boolean[]> {
  const rows = await sql<{ check_id: string; in_downtime: boolean }[]>`
    select check_id, in_downtime from check_state where check_id = any(${checkIds as string[]}::uuid[])`;
  const flags = new Map(rows.map((r) => [r.check_id, r.in_downtime]));
  return checkIds.map((id) => flags.get(id)!);
}

/** Inserts a downtime as scheduled (nothing applied yet), as if created before `T`. */
async function downtime(siteId: string, checkId: string, fromH: number, toH: number): Promise<void> {
  await scheduleDowntime(sql, { siteId, checkId, fromMs: T + fromH * HOUR, toMs: T + toH * HOUR, comment: 'maintenance', by: 'test', nowMs: T - HOUR });
}

test('each tick starts and ends the downtimes due, across sites; overlapping windows keep a check in downtime until the last ends', async () => {
  const a = await insertHealthyChecks(sql, 'a', 3);
  const b = await insertHealthyChecks(sql, 'b', 1);
  const [a1, a2, a3] = a.checkIds as [string, string, string];
  const [b1] = b.checkIds as [string];
  await downtime(a.siteId, a1, 0, 2);
  await downtime(a.siteId, a1, 1, 3);
  await downtime(a.siteId, a2, 1, 2);
  await downtime(b.siteId, b1, 0, 1);
  // Over before any tick saw it: nothing to do, ever.
  await downtime(a.siteId, a3, 0.2, 0.4);

  const names = new Map([[a1, 'a1'], [a2, 'a2'], [a3, 'a3'], [b1, 'b1']]);
  const at = async (hours: number) =>
    (await applyDowntimes(sql, T + hours * HOUR)).map((c) => `${names.get(c.checkId)}:${c.inDowntime}`).sort();
  const steps: [number, string[], boolean[]][] = [
    [-0.5, [], [false, false, false, false]],
    [0.5, ['a1:true', 'b1:true'], [true, false, false, true]],
    [0.5, [], [true, false, false, true]],
    [1.5, ['a2:true', 'b1:false'], [true, true, false, false]],
    [2.5, ['a2:false'], [true, false, false, false]],
    [3.5, ['a1:false'], [false, false, false, false]],
    [4.5, [], [false, false, false, false]],
  ];
  for (const [hours, changes, flags] of steps) {
    assert.deepEqual(await at(hours), changes, `changes at T + ${hours} h`);
    assert.deepEqual(await inDowntime([a1, a2, a3, b1]), flags, `flags at T + ${hours} h`);
  }
  const phases = await sql<{ phase: string }[]>`select phase from downtime where site_id in (${a.siteId}, ${b.siteId})`;
  assert.deepEqual(phases.map((p) => p.phase), ['ended', 'ended', 'ended', 'ended', 'ended']);
});

test('a tick writes only the check_state rows whose flag changes, and those updates are HOT', async () => {
  const { siteId, checkIds } = await insertHealthyChecks(sql, 'hot-downtimes', 2_000);
  // One check in twenty, spread over the table's pages as a site's maintenance windows would be.
  for (const checkId of checkIds.filter((_, i) => i % 20 === 0)) await downtime(siteId, checkId, 0, 1);
  const connection = await sql.reserve();
  try {
    const before = await updateCounts(connection);
    assert.equal((await applyDowntimes(connection, T + 0.5 * HOUR)).length, 100);
    assert.equal((await applyDowntimes(connection, T + 0.6 * HOUR)).length, 0);
    assert.equal((await applyDowntimes(connection, T + 1.5 * HOUR)).length, 100);
    const after = await updateCounts(connection);
    assert.deepEqual({ updated: after.updated - before.updated, hot: after.hot - before.hot }, { updated: 200, hot: 200 });
  } finally {
    connection.release();
  }
});

/** n_tup_upd and n_tup_hot_upd of check_state, after flushing this backend's pending counts. */
async function updateCounts(connection: Database): Promise<{ updated: number; hot: number }> {
  await connection`select pg_stat_force_next_flush()`;
  const [row] = await connection<{ updated: number; hot: number }[]>`
    select n_tup_upd::int as updated, n_tup_hot_upd::int as hot from pg_stat_user_tables where relid = 'check_state'::regclass`;
  return row!;
}

test('recurring downtime: a check with <downtime time-period> is in downtime whenever the period is open, in its own zone, one-off windows besides', async () => {
  // 2026-05-02 is a Saturday; the window is Saturday 01:00-03:00 in New York (05:00-07:00 UTC).
  const { siteId, checks } = await applySite(sql, `
    <time-period name="weekend-maintenance" time-zone="America/New_York"><time-range>saturday 01:00-03:00</time-range></time-period>
    <command name="c" engine="http"/>
    <host name="db" address="10.0.0.1"><check-command command="c"/><downtime time-period="weekend-maintenance"/></host>
    <host name="web" address="10.0.0.2"><check-command command="c"/></host>`, 'recurring');
  const [db, web] = [checks.get('db')!, checks.get('web')!];
  const saturday = Date.parse('2026-05-02T00:00:00Z');
  const at = async (utcHours: number) => (await applyDowntimes(sql, saturday + utcHours * HOUR)).filter((c) => c.checkId === db || c.checkId === web).map((c) => `${c.checkId === db ? 'db' : 'web'}:${c.inDowntime}`);
  assert.deepEqual(await at(4.5), []);
  assert.deepEqual(await at(5.5), ['db:true']);
  assert.deepEqual(await inDowntime([db, web]), [true, false]);
  // A one-off window that ends while the recurring one is open leaves the check in downtime.
  await scheduleDowntime(sql, { siteId, checkId: db, fromMs: saturday + 5 * HOUR, toMs: saturday + 6 * HOUR, comment: 'patching', by: 'test', nowMs: saturday + 5.5 * HOUR });
  assert.deepEqual(await at(6.5), []);
  assert.deepEqual(await inDowntime([db]), [true]);
  assert.deepEqual(await at(7.5), ['db:false']);
  assert.deepEqual(await at(7.6), [], 'written once');
});
