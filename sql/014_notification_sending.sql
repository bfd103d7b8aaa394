-- Notifications being sent get a status of their own (functions/notify/delivery.ts). A claimed
-- notification used to stay 'pending' under its lease, so a recovery arriving mid-send could
-- cancel it while the mail went out anyway, and nobody would be told of the recovery. Now a
-- recovery leaves 'sending' ones alone and tells their recipients; a lease that runs out (the
-- notifier died mid-send) makes them claimable again.
alter table notification drop constraint notification_status_check;
alter table notification add constraint notification_status_check
  check (status in ('pending', 'sending', 'sent', 'dead', 'cancelled', 'summarised'));
drop index notification_pending_idx;
create index notification_pending_idx on notification (next_attempt_at) where status in ('pending', 'sending');

-- Also: a check whose host (or, for a host, a parent) came back after the check's last result
-- waits for a fresh result before it is alerted. Its last result may be from when the host was
-- down; alerting on it the moment the host recovers would send the very cascade suppression is
-- there to stop.
create or replace function alert_suppression(target uuid) returns text
language sql stable as $$
  select case
    when s.in_downtime then 'in downtime'
    when s.acknowledged then 'acknowledged'
    when s.flapping then 'flapping: notifications wait until it settles'
    when s.suppressed then 'suppressed'
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
       order by ps.hard_status desc, p.name limit 1))
  end
  from "check" c join check_state s on s.check_id = c.id
  where c.id = target
$$;
