-- Acknowledgement notices (functions/notify/follow-ups.ts): when someone acknowledges a problem,
-- the people who were told about it hear who took it and why (unless their `<notifications
-- acknowledge="no">`). The alert remembers the acknowledgement it told them about, so each is
-- told once.
alter table alert add column acknowledgement_id bigint;
alter table notification drop constraint notification_kind_check;
alter table notification add constraint notification_kind_check
  check (kind in ('problem', 'recovery', 'reminder', 'escalation', 'acknowledgement', 'summary'));
