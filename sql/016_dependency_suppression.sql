-- The result processor now keeps check_state.suppressed for dependencies (a service behind a down
-- host, a host behind a down parent: functions/results/dependency-suppression.ts), so such
-- problems count as handled. alert_suppression (sql/014) names the host before the flag, so the
-- notifications API keeps saying which host is down rather than only "suppressed".
create or replace function alert_suppression(target uuid) returns text
language sql stable as $$
  select case
    when s.in_downtime then 'in downtime'
    when s.acknowledged then 'acknowledged'
    when s.flapping then 'flapping: notifications wait until it settles'
    else coalesce(
      (select case when hs.hard_status > 2 then 'its host ' || h.name || ' is down'
                   else 'waiting for a result since its host ' || h.name || ' came back' end
       from "check" h join check_state hs on hs.check_id = h.id
       where h.id = c.parent_id and h.site_id = c.site_id and h.kind = 'host'
         and (hs.hard_status > 2 or hs.last_hard_change_at > s.last_result_at)),
      (select case when ps.hard_status > 2 then 'its parent host ' || p.name || ' is down'
                   else 'waiting for a result since its parent host ' || p.name || ' came back' end
       from "check" p join check_state ps on ps.check_id = p.id
       where c.kind = 'host' and p.site_id = c.site_id and p.kind = 'host' and p.parent_id is null
         and p.name = any(c.depends_on) and (ps.hard_status > 2 or ps.last_hard_change_at > s.last_result_at)
       order by ps.hard_status desc, p.name limit 1),
      case when s.suppressed then 'suppressed' end)
  end
  from "check" c join check_state s on s.check_id = c.id
  where c.id = target
$$;
