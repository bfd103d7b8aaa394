/**
 * Who is told about a check, on which channel: the contacts its `<notify>` names, directly or
 * through a team (a team includes the members of the teams below it), each on the channels its
 * policy allows for this status at this time. Pure: time periods are judged by the `isOpen`
 * callback the caller gives (functions/core/time-period.ts, with each period's own zone).
 */
import type { Status } from '../status.ts';
import { admits, contactChannels, type ChannelKind, type ContactInfo, type NotificationPolicy } from './policy.ts';

/** A site's contacts and team tree. */
export interface Directory {
  contacts: ReadonlyMap<string, ContactInfo>;
  /** Team -> its parent teams. */
  teamParents: ReadonlyMap<string, readonly string[]>;
}

export interface Delivery {
  contact: string;
  channel: ChannelKind;
}

/** Whether the named time period is open now; an unknown name counts as open (validation reports it). */
export type PeriodCheck = (timePeriod: string) => boolean;

/**
 * The contacts named by `teams` and `contacts`: a team's members are the contacts in it or in
 * any team below it. Each once, in name order.
 */
export function namedContacts(directory: Directory, targets: { teams: readonly string[]; contacts: readonly string[] }): ContactInfo[] {
  const wanted = new Set(targets.teams);
  const found = new Map<string, ContactInfo>();
  for (const name of targets.contacts) {
    const contact = directory.contacts.get(name);
    if (contact) found.set(name, contact);
  }
  if (wanted.size > 0) {
    for (const contact of directory.contacts.values()) {
      if (contact.teams.some((team) => isWithin(directory, team, wanted))) found.set(contact.name, contact);
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Whether `team` is one of `wanted` or below one of them. */
function isWithin(directory: Directory, team: string, wanted: ReadonlySet<string>): boolean {
  const seen = new Set<string>();
  const stack = [team];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (wanted.has(current)) return true;
    if (seen.has(current)) continue;
    seen.add(current);
    stack.push(...(directory.teamParents.get(current) ?? []));
  }
  return false;
}

/**
 * The (contact, channel) pairs to tell about a check now in `status` (a recovery when
 * `recovery`): the check's policy must admit it and be open, then each contact's, then each of
 * its channels'.
 */
export function deliveriesFor(
  contacts: readonly ContactInfo[],
  checkPolicy: NotificationPolicy,
  status: Status,
  recovery: boolean,
  isOpen: PeriodCheck,
): Delivery[] {
  if (!admits(checkPolicy, status, recovery) || !openFor(checkPolicy, isOpen)) return [];
  return contacts.flatMap((contact) => {
    if (!admits(contact.policy, status, recovery) || !openFor(contact.policy, isOpen)) return [];
    return contactChannels(contact)
      .filter((channel) => admits(channel, status, recovery) && openFor(channel, isOpen))
      .map((channel) => ({ contact: contact.name, channel: channel.kind }));
  });
}

function openFor(policy: { timePeriod?: string }, isOpen: PeriodCheck): boolean {
  return policy.timePeriod === undefined || isOpen(policy.timePeriod);
}
