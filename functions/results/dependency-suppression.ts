/**
 * Dependencies: a service or trap whose host is down, and a host one of whose `parents` is down,
 * is suppressed: its problem is not alerted (the notifier asks `alert_suppression`, sql/011) and
 * it counts as handled in roll-ups and problem lists, so a dashboard shows one problem (the
 * host), not a cascade. The flag follows the hosts: when a host's confirmed state changes, in the
 * transaction that changes it, the flags of what depends on it are worked out again and written
 * where they differ.
 */
import type { Transaction } from '#store/database.ts';

/**
 * Re-derives `check_state.suppressed` for everything depending on `hostIds` (hosts whose
 * confirmed state just changed), by `down_dependency` (sql/011). Returns the checks whose flag
 * changed, for pushing.
 */
export async function refreshDependentSuppression(tx: Transaction, hostIds: readonly string[]): Promise<{ siteId: string; checkId: string }[]> {
  if (hostIds.length === 0) return [];
  const rows = await tx<{ site_id: string; check_id: string }[]>`
    with changed_host as (
      select id, site_id, name from "check" where id = any(${hostIds as string[]}::uuid[]) and kind = 'host'
    ),
    dependent as (
      select c.id, c.site_id from "check" c join changed_host h on c.parent_id = h.id and c.site_id = h.site_id
      union
      select c.id, c.site_id from "check" c join changed_host h
        on c.site_id = h.site_id and c.kind = 'host' and c.parent_id is null and h.name = any(c.depends_on)
    )
    update check_state s set suppressed = down_dependency(d.id) is not null
    from dependent d
    where s.check_id = d.id and s.site_id = d.site_id and s.suppressed <> (down_dependency(d.id) is not null)
    returning s.site_id, s.check_id`;
  return rows.map((row) => ({ siteId: row.site_id, checkId: row.check_id }));
}
