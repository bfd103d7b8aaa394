/**
 * What a check found wrong, each with the status it deserves. A check that tests several things
 * (status code, response time, body) reports all of them in one output, worst first, and takes
 * the worst status: the on-call engineer sees every problem from one result.
 */
import { statusRank, worst, type Status } from '#core/status.ts';
import type { EngineResult, Reading } from './engine.ts';

export interface Finding {
  status: Status;
  text: string;
}

/**
 * `summary` alone when nothing was found (OK), else `summary; worst finding; next...` with the
 * worst finding's status.
 * @example findingsResult('HTTP 200 OK - 12 bytes in 0.003 s', [{ status: 'WARNING', text: 'response time 1.2 s over 1 s' }], [])
 */
export function findingsResult(summary: string, findings: readonly Finding[], readings: Reading[]): EngineResult {
  const ordered = [...findings].sort((a, b) => statusRank(b.status) - statusRank(a.status));
  const status = ordered.reduce<Status>((acc, finding) => worst(acc, finding.status), 'OK');
  const output = [summary, ...ordered.map((finding) => finding.text)].join('; ');
  return { status, output, readings };
}
