import type { Queryable } from '#store/database.ts';

/**
 * A site with `count` services that are all hard OK, each with a `check_state` row: the
 * starting point of the HOT test and benchmark. Returns the site id and the check ids.
 */
export async function insertHealthyChecks(sql: Queryable, siteName: string, count: number): Promise<{ siteId: string; checkIds: string[] }> {
  const [site] = await sql<{ id: string }[]>`insert into site (name) values (${siteName}) returning id`;
  const siteId = site!.id;
  const checkIds = (
    await sql<{ id: string }[]>`
      insert into "check" (site_id, kind, name, every_s, changing_every_s, retry_every_s)
      select ${siteId}, 'service', 'check ' || n, 60, 30, 30 from generate_series(1, ${count}::int) n
      returning id`
  ).map((row) => row.id);
  await sql`
    insert into check_state (check_id, site_id, status, hard_status, last_result_at, output)
    select id, ${siteId}, 2, 2, now(), 'HTTP OK: HTTP/1.1 200 OK - 4000 bytes in 0.01 second response time'
    from "check" where site_id = ${siteId}`;
  return { siteId, checkIds };
}
