/**
 * Statuses as the dashboard orders them. The order is Bergamot's, which is also the severity
 * (functions/core/status.ts): a higher index is worse.
 */
export const STATUSES = ['PENDING', 'INFO', 'OK', 'WARNING', 'CRITICAL', 'UNKNOWN', 'TIMEOUT', 'ERROR', 'DISCONNECTED', 'ACTION'];

/** Severity of a status name; unknown names sort as the worst, so nothing odd hides at the bottom. */
export function rank(status) {
  const index = STATUSES.indexOf(status);
  return index === -1 ? STATUSES.length : index;
}

/** PENDING (nothing known yet), INFO and OK are not problems; everything else is. */
export function isProblem(status) {
  return status !== 'PENDING' && status !== 'INFO' && status !== 'OK';
}

/** Someone has seen it (acknowledged), or it is expected (downtime, suppressed). */
export function isHandled(check) {
  return Boolean(check.acknowledged || check.inDowntime || check.suppressed);
}

/** The list a check belongs in: 'unhandled' problems, 'handled' problems, or 'healthy'. */
export function categoryOf(check) {
  if (!isProblem(check.status)) return 'healthy';
  return isHandled(check) ? 'handled' : 'unhandled';
}

/** The name people know a check by: `host / service`, or the host's own name for a host check. */
export function displayName(check) {
  return check.hostName && check.hostName !== check.name ? `${check.hostName} / ${check.name}` : check.name;
}

/**
 * Order within a list: worst first, then the most recent change first (a new problem is above
 * an old one of the same status), then by name, so the order is stable.
 */
export function compareChecks(a, b) {
  return rank(b.status) - rank(a.status)
    || (Date.parse(b.lastChangeAt ?? '') || 0) - (Date.parse(a.lastChangeAt ?? '') || 0)
    || displayName(a).localeCompare(displayName(b));
}

/** The CSS class that colours a status; the status is always written out as text too. */
export function statusClass(status) {
  return `status-${String(status).toLowerCase()}`;
}
