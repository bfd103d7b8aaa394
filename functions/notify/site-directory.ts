/**
 * What the notifier reads of a site's configuration: its contacts with their policies, its team
 * tree, and its time periods (judged in each one's own zone, so a site spread over several zones
 * notifies each contact in the contact's local hours).
 */
import { notificationPolicy, type ContactInfo } from '#core/alerting/policy.ts';
import type { Directory, PeriodCheck } from '#core/alerting/recipients.ts';
import type { Queryable } from '#store/database.ts';
import { isPeriodOpen, loadTimePeriods } from '#scheduler/time-period-spans.ts';

export interface SiteDirectory extends Directory {
  siteName: string;
  /** Whether a time period of the site is open at `atMs`; an unknown or unreadable one counts as open. */
  isOpenAt(atMs: number): PeriodCheck;
}

export async function loadSiteDirectory(sql: Queryable, siteId: string): Promise<SiteDirectory> {
  const [[site], contacts, teams, periods] = await Promise.all([
    sql<{ name: string }[]>`select name from site where id = ${siteId}`,
    sql<{ name: string; email: string | null; phone: string | null; definition: { teams?: string[]; notifications?: unknown } }[]>`
      select name, email, phone, definition from contact where site_id = ${siteId}`,
    sql<{ name: string; definition: { parents?: string[] } }[]>`select name, definition from team where site_id = ${siteId}`,
    loadTimePeriods(sql, [siteId]),
  ]);
  const byName = new Map([...periods.values()].map((entry) => [entry.period.name, entry]));
  return {
    siteName: site?.name ?? siteId,
    contacts: new Map(contacts.map((row): [string, ContactInfo] => [row.name, {
      name: row.name,
      ...(row.email ? { email: row.email } : {}),
      ...(row.phone ? { phone: row.phone } : {}),
      teams: row.definition.teams ?? [],
      policy: notificationPolicy(row.definition.notifications),
    }])),
    teamParents: new Map(teams.map((row) => [row.name, row.definition.parents ?? []])),
    isOpenAt: (atMs) => (name) => {
      const entry = byName.get(name);
      // Unknown, or an unknown zone (validation refused it): never swallow an alert over it.
      return entry ? (isPeriodOpen(entry, atMs) ?? true) : true;
    },
  };
}
