/**
 * Slows down password guessing: after too many failed log-ins for one e-mail address, or from
 * one client address, within a sliding window, log-ins are refused (429 with Retry-After) until
 * enough of those failures are older than the window. Failures are rows in PostgreSQL
 * (`login_failure`), so the limit holds whichever Lambda instance answers.
 *
 * While limited, the password is not even checked: a guess then costs the guesser a request and
 * Vigil no scrypt. Two log-ins racing past the check at the same moment may each add a failure
 * beyond the limit; the window only grows longer for it.
 */
import type { Queryable } from '#store/database.ts';

/** The sliding window failures are counted over. */
export const LOGIN_WINDOW_S = 15 * 60;
/** Failures for one e-mail address within the window before its log-ins are refused. */
export const MAX_FAILURES_PER_EMAIL = 5;
/**
 * Failures from one client address within the window: higher than per e-mail, since one office
 * or one NAT gateway is many people mistyping, but low enough to stop one machine trying many
 * accounts.
 */
export const MAX_FAILURES_PER_CLIENT = 20;

/**
 * Seconds until a log-in for `email` from `client` may be tried again, or 0 when it may now.
 * Once the count reaches the limit, the limit's worth of newest failures must age out of the
 * window before the count drops below it.
 */
export async function loginRetryAfterS(sql: Queryable, email: string, client: string, nowMs: number): Promise<number> {
  const now = new Date(nowMs);
  const [row] = await sql<{ until: Date | null }[]>`
    select greatest(
      (select at from login_failure
       where email = ${email.toLowerCase()} and at > ${now}::timestamptz - make_interval(secs => ${LOGIN_WINDOW_S})
       order by at desc offset ${MAX_FAILURES_PER_EMAIL - 1} limit 1),
      (select at from login_failure
       where client = ${client} and at > ${now}::timestamptz - make_interval(secs => ${LOGIN_WINDOW_S})
       order by at desc offset ${MAX_FAILURES_PER_CLIENT - 1} limit 1)
    ) + make_interval(secs => ${LOGIN_WINDOW_S}) as until`;
  const until = row?.until;
  return until ? Math.max(1, Math.ceil((until.getTime() - nowMs) / 1000)) : 0;
}

/**
 * Records a failed log-in, and forgets every failure that has aged out of the window: the table
 * only ever holds the last window's failures, so it stays small without a clean-up job.
 */
export async function recordLoginFailure(sql: Queryable, email: string, client: string, nowMs: number): Promise<void> {
  const now = new Date(nowMs);
  await sql`
    with expired as (
      delete from login_failure where at <= ${now}::timestamptz - make_interval(secs => ${LOGIN_WINDOW_S})
    )
    insert into login_failure (email, client, at) values (${email.toLowerCase()}, ${client}, ${now})`;
}

/**
 * After a successful log-in the account's failures are forgotten, so its owner is not locked out
 * by their own earlier typos. The client's are kept: one valid account must not reset the count
 * of a machine trying others.
 */
export async function clearLoginFailures(sql: Queryable, email: string): Promise<void> {
  await sql`delete from login_failure where email = ${email.toLowerCase()}`;
}
