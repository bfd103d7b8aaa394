/**
 * What runs with every scheduler tick besides planning: downtimes that begin or end move their
 * checks in or out of "handled" (and browsers see it at once), and uptime alerts open or close.
 * Both are one set-based statement for every site.
 */
import type { Clock } from '#ports/clock.ts';
import { applyDowntimes } from './downtimes.ts';
import { publishChangesBySite, type PublishDeps } from './check-changes.ts';
import { evaluateUptimeAlerts } from './uptime.ts';

export interface HousekeepingSummary {
  downtimeChanges: number;
  alertsOpened: number;
  alertsClosed: number;
}

export async function runHousekeeping(deps: PublishDeps & { clock: Clock }): Promise<HousekeepingSummary> {
  const nowMs = deps.clock.nowMs();
  const downtimeChanges = await applyDowntimes(deps.db, nowMs);
  if (downtimeChanges.length > 0) await publishChangesBySite(deps, downtimeChanges);
  const alerts = await evaluateUptimeAlerts(deps.db, nowMs);
  for (const alert of alerts) {
    const fields = { siteId: alert.siteId, url: alert.url };
    if (alert.change === 'opened') deps.log.warn('uptime alert opened: too many failed responses in the last 5 minutes', fields);
    else deps.log.info('uptime alert closed', fields);
  }
  return {
    downtimeChanges: downtimeChanges.length,
    alertsOpened: alerts.filter((alert) => alert.change === 'opened').length,
    alertsClosed: alerts.filter((alert) => alert.change === 'closed').length,
  };
}
