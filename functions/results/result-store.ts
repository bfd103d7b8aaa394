/**
 * The result processor's SQL: lock and read the states a batch touches, then write the whole
 * batch back with one statement per table. Every statement is set-based (arrays in, `unnest`),
 * so a batch of 1,000 results costs a handful of round trips, and the check_state update sets
 * only columns that no index covers, so it stays HOT (sql/001_foundation.sql).
 */
import type { Reading } from '#core/reading.ts';
import type { CheckState } from '#core/state/index.ts';
import { statusOfRank, statusRank } from '#core/status.ts';
import type { Queryable, Transaction } from '#store/database.ts';
import type { AppliedCheck, LocationState, StoredCheck } from './apply-results.ts';

interface StateRow {
  check_id: string;
  site_id: string;
  status: number;
  hard: boolean;
  attempt: number;
  hard_status: number;
  change_bits: number;
  flapping: boolean;
  last_result_at: Date | null;
  last_change_at: Date | null;
  last_hard_change_at: Date | null;
  output: string | null;
  failed_after: number;
  recovers_after: number;
  quorum: number;
  location_ids: string[];
}

/**
 * Locks and reads the states of the given checks, each only within its own site: a result that
 * names a check of another site finds nothing. Locked in check id order, so two processors whose
 * batches share checks wait for each other instead of deadlocking.
 */
export async function lockStoredChecks(
  tx: Transaction,
  keys: readonly { checkId: string; siteId: string }[],
): Promise<Map<string, StoredCheck>> {
  const rows = await tx<StateRow[]>`
    select s.check_id, s.site_id, s.status, s.hard, s.attempt, s.hard_status, s.change_bits, s.flapping,
           s.last_result_at, s.last_change_at, s.last_hard_change_at, s.output,
           c.failed_after, c.recovers_after, c.quorum,
           array(select cl.location_id from check_location cl where cl.check_id = s.check_id order by cl.location_id) as location_ids
    from unnest(${keys.map((k) => k.checkId)}::uuid[], ${keys.map((k) => k.siteId)}::uuid[]) as r(check_id, site_id)
    join check_state s on s.check_id = r.check_id and s.site_id = r.site_id
    join "check" c on c.id = s.check_id
    order by s.check_id
    for update of s`;
  const multiLocation = rows.filter((row) => row.location_ids.length > 1).map((row) => row.check_id);
  const locationRows = multiLocation.length === 0 ? [] : await tx<{ check_id: string; location_id: string; status: number; last_result_at: Date | null; output: string | null }[]>`
    select check_id, location_id, status, last_result_at, output
    from check_location_state
    where check_id = any(${multiLocation}::uuid[])
    order by check_id, location_id
    for update`;
  const locationsByCheck = new Map<string, LocationState[]>();
  for (const row of locationRows) {
    const list = locationsByCheck.get(row.check_id) ?? [];
    list.push({ locationId: row.location_id, status: statusOfRank(row.status), lastResultAtMs: row.last_result_at?.getTime() ?? null, output: row.output });
    locationsByCheck.set(row.check_id, list);
  }
  return new Map(
    rows.map((row) => [
      row.check_id,
      {
        checkId: row.check_id,
        siteId: row.site_id,
        state: stateOf(row),
        failedAfter: row.failed_after,
        recoversAfter: row.recovers_after,
        quorum: row.quorum,
        locationIds: row.location_ids,
        locationStates: locationsByCheck.get(row.check_id) ?? [],
      },
    ]),
  );
}

function stateOf(row: StateRow): CheckState {
  return {
    status: statusOfRank(row.status),
    hard: row.hard,
    attempt: row.attempt,
    hardStatus: statusOfRank(row.hard_status),
    changeBits: row.change_bits,
    flapping: row.flapping,
    lastResultAtMs: row.last_result_at?.getTime() ?? null,
    lastChangeAtMs: row.last_change_at?.getTime() ?? null,
    lastHardChangeAtMs: row.last_hard_change_at?.getTime() ?? null,
    output: row.output,
  };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Writes a batch's outcome: states, location states, transitions, readings. */
export async function writeAppliedChecks(tx: Transaction, applied: readonly AppliedCheck[]): Promise<void> {
  if (applied.length === 0) return;
  const states = applied.map((check) => check.state);
  await tx`
    update check_state s set
      status = u.status, hard = u.hard, attempt = u.attempt, hard_status = u.hard_status,
      change_bits = u.change_bits, flapping = u.flapping, last_result_at = u.last_result_at,
      last_change_at = u.last_change_at, last_hard_change_at = u.last_hard_change_at, output = u.output,
      -- An acknowledgement is of one problem: a change of the confirmed state ends it.
      acknowledged = s.acknowledged and s.hard_status = u.hard_status
    from unnest(
      ${applied.map((check) => check.checkId)}::uuid[], ${applied.map((check) => check.siteId)}::uuid[],
      ${states.map((s) => statusRank(s.status))}::smallint[], ${tx.array(states.map((s) => s.hard))}::boolean[],
      ${states.map((s) => s.attempt)}::smallint[], ${states.map((s) => statusRank(s.hardStatus))}::smallint[],
      ${states.map((s) => s.changeBits)}::integer[], ${tx.array(states.map((s) => s.flapping))}::boolean[],
      ${states.map((s) => iso(s.lastResultAtMs))}::timestamptz[], ${states.map((s) => iso(s.lastChangeAtMs))}::timestamptz[],
      ${states.map((s) => iso(s.lastHardChangeAtMs))}::timestamptz[], ${states.map((s) => s.output)}::text[]
    ) as u(check_id, site_id, status, hard, attempt, hard_status, change_bits, flapping,
           last_result_at, last_change_at, last_hard_change_at, output)
    where s.check_id = u.check_id and s.site_id = u.site_id`;

  const locations = applied.flatMap((check) => check.locationStates.map((location) => ({ check, location })));
  if (locations.length > 0) {
    await tx`
      insert into check_location_state (check_id, location_id, site_id, status, last_result_at, output)
      select * from unnest(
        ${locations.map((l) => l.check.checkId)}::uuid[], ${locations.map((l) => l.location.locationId)}::uuid[],
        ${locations.map((l) => l.check.siteId)}::uuid[], ${locations.map((l) => statusRank(l.location.status))}::smallint[],
        ${locations.map((l) => iso(l.location.lastResultAtMs))}::timestamptz[], ${locations.map((l) => l.location.output)}::text[])
      on conflict (check_id, location_id) do update set
        status = excluded.status, last_result_at = excluded.last_result_at, output = excluded.output`;
  }

  const transitions = applied.flatMap((check) => check.transitions.map((transition) => ({ check, transition })));
  if (transitions.length > 0) {
    await tx`
      insert into check_transition (site_id, check_id, at, from_status, to_status, from_hard, to_hard, attempt, flapping, output)
      select * from unnest(
        ${transitions.map((t) => t.check.siteId)}::uuid[], ${transitions.map((t) => t.check.checkId)}::uuid[],
        ${transitions.map((t) => iso(t.transition.atMs))}::timestamptz[],
        ${transitions.map((t) => statusRank(t.transition.from.status))}::smallint[], ${transitions.map((t) => statusRank(t.transition.to.status))}::smallint[],
        ${tx.array(transitions.map((t) => t.transition.from.hard))}::boolean[], ${tx.array(transitions.map((t) => t.transition.to.hard))}::boolean[],
        ${transitions.map((t) => t.transition.attempt)}::smallint[], ${tx.array(transitions.map((t) => t.transition.flapping))}::boolean[],
        ${transitions.map((t) => t.transition.output)}::text[])`;
  }

  const readings = applied.flatMap((check) => check.readings.map((entry) => ({ check, ...entry })));
  if (readings.length > 0) {
    const bound = (pick: (reading: Reading) => number | undefined) => readings.map((r) => pick(r.reading) ?? null);
    await tx`
      insert into reading (site_id, check_id, at, name, value, unit, warning, critical, min, max)
      select * from unnest(
        ${readings.map((r) => r.check.siteId)}::uuid[], ${readings.map((r) => r.check.checkId)}::uuid[],
        ${readings.map((r) => iso(r.atMs))}::timestamptz[], ${readings.map((r) => r.reading.name)}::text[],
        ${readings.map((r) => r.reading.value)}::float8[], ${readings.map((r) => r.reading.unit ?? null)}::text[],
        ${bound((r) => r.warning)}::float8[], ${bound((r) => r.critical)}::float8[],
        ${bound((r) => r.min)}::float8[], ${bound((r) => r.max)}::float8[])`;
  }
}

/** Names and groups of checks, for the events published after commit. */
export async function describeChecks(
  sql: Queryable,
  checkIds: readonly string[],
): Promise<Map<string, { name: string; kind: string; hostName: string | null; groups: string[] }>> {
  if (checkIds.length === 0) return new Map();
  const rows = await sql<{ id: string; name: string; kind: string; host_name: string | null; groups: string[] }[]>`
    select c.id, c.name, c.kind, h.name as host_name,
           array(select g.name from check_group_member m join check_group g on g.id = m.group_id
                 where m.check_id = c.id order by g.name) as groups
    from "check" c left join host h on h.id = c.host_id
    where c.id = any(${checkIds as string[]}::uuid[])`;
  return new Map(rows.map((row) => [row.id, { name: row.name, kind: row.kind, hostName: row.host_name, groups: row.groups }]));
}
