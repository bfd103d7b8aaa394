/**
 * Which HTTP status codes a check accepts. With a `status` list (`200-299,301`, or Bergamot's
 * `200,301,302,304`) a listed code is OK and any other is CRITICAL, as in Bergamot. Without one,
 * the rule of Nagios' check_http: 2xx and 3xx are OK, 4xx WARNING (the server is up, but the page
 * is wrong or refused), 5xx CRITICAL (the server failed).
 */
import type { Status } from '#core/status.ts';
import { ParameterError } from '../parameters.ts';

export interface StatusCodeRange {
  from: number;
  to: number;
}

const ITEM = /^(\d{3})(?:\s*-\s*(\d{3}))?$/;

/** Parses the items of a `status` list; throws a ParameterError naming `parameter` for a bad one. */
export function parseStatusCodes(parameter: string, items: readonly string[]): StatusCodeRange[] {
  return items.map((item) => {
    const match = ITEM.exec(item);
    const from = Number(match?.[1]);
    const to = match?.[2] === undefined ? from : Number(match[2]);
    if (!match || from < 100 || to > 599 || from > to) {
      throw new ParameterError(parameter, `'${item}' is not a status code (100-599) or a range of them such as 200-299`);
    }
    return { from, to };
  });
}

/** The status a response code earns; `accepted` is the parsed `status` list, if the check has one. */
export function statusForCode(code: number, accepted: readonly StatusCodeRange[] | undefined): Status {
  if (accepted !== undefined) return accepted.some((range) => code >= range.from && code <= range.to) ? 'OK' : 'CRITICAL';
  if (code >= 200 && code < 400) return 'OK';
  if (code >= 400 && code < 500) return 'WARNING';
  return 'CRITICAL';
}
