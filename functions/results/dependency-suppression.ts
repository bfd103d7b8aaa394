/**
 * Dependencies: a service or trap whose host is down, and a host one of whose `parents` is down,
 * is suppressed: its problem is not alerted (the notifier asks `alert_suppression`, sql/014) and
 * it counts as handled in roll-ups and problem lists, so a dashboard shows one problem (the
 * host), not a cascade. The flag follows the hosts: when a host's confirmed state changes, in the
 * transaction that changes it, the flags of what depends on it are worked out again and written
 * where they differ.
 */
import type { Transaction } from '#store/database.ts';
import { statusRank } from '#core/status.ts';

const OK_RANK = statusRank('OK');

/**
 * Re-derives `check_state.suppressed` for everything depending on the hosts among `checkIds`
 * (checks whose confirmed state just changed; others are ignored). Returns the checks whose flag
 * changed, for pushing.
 */
export async function refreshDependentSuppression(tx: Transaction, checkIds: readonly string[]): Promise<{ siteId: string; checkId: string }[]> {
  if (checkIds.length === 0) return [];
  const rows = await tx<{ site_id: string; check_id: string }[]>`
    with changed_host as (
      select id, site_id, name from "check" where id = any(${checkIds as string[]}::uuid[]) and kind = 'host'
    ),
    dependent as (
      select c.id, c.site_id from "check" c join changed_host h on c.parent_id = h.id and c.site_id = h.site_id
      union
      select c.id, c.site_id from "check" c join changed_host h
        on c.site_id = h.site_id and c.kind = 'host' and c.parent_id is null and h.name = any(c.depends_on)
    ),
    wanted as (
      select d.id, d.site_id,
        exists (
          select from "check" c join "check" h on h.id = c.parent_id and h.site_id = c.site_id
          join check_state hs on hs.check_id = h.id
          where c.id = d.id and h.kind = 'host' and hs.hard_status > ${OK_RANK}
        ) or exists (
          select from "check" c join "check" p on p.site_id = c.site_id and p.kind = 'host' and p.parent_id is null
          join check_state ps on ps.check_id = p.id
          where c.id = d.id and c.kind = 'host' and p.name = any(c.depends_on) and ps.hard_status > ${OK_RANK}
        ) as suppressed
      from dependent d
    )
    update check_state s set suppressed = w.suppressed
    from wanted w
    where s.check_id = w.id and s.site_id = w.site_id and s.suppressed <> w.suppressed
    returning s.site_id, s.check_id`;
  return rows.map((row) => ({ siteId: row.site_id, checkId: row.check_id }));
}
