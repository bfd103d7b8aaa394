/**
 * The configuration changes applied to a site, newest first: who applied each and when, what it
 * changed, and the files it was applied from (kept once per distinct text in config_file,
 * sql/010), which is what rolling back to it applies again. Every query is scoped to the site.
 */
import type { ConfigFile } from '#core/config/load.ts';
import type { Queryable } from './database.ts';

export interface ConfigChange {
  id: number;
  appliedAtMs: number;
  appliedBy: string;
  /** Objects configured after the change, and how many checks it wrote and removed. */
  summary: Record<string, number>;
  /** The change this one rolled back to, when it was a rollback. */
  rollbackOf: number | null;
  /** The files it was applied from (empty for changes applied before files were kept). */
  files: { path: string; digest: string }[];
}

interface ChangeRow {
  id: number;
  applied_at: Date;
  applied_by: string;
  summary: Record<string, number>;
  rollback_of: number | null;
  source: { path: string; digest?: string }[];
}

function changeOf(row: ChangeRow): ConfigChange {
  return {
    id: row.id,
    appliedAtMs: row.applied_at.getTime(),
    appliedBy: row.applied_by,
    summary: row.summary,
    rollbackOf: row.rollback_of,
    // Before sql/010 nothing was kept; a listed file without a digest cannot be read back.
    files: row.source.flatMap((file) => (file.digest ? [{ path: file.path, digest: file.digest }] : [])),
  };
}

/** The site's changes, newest first; `before` is the id the previous page ended at. */
export async function listConfigChanges(
  sql: Queryable,
  siteId: string,
  options: { limit: number; before?: number | undefined },
): Promise<ConfigChange[]> {
  const rows = await sql<ChangeRow[]>`
    select id, applied_at, applied_by, summary, rollback_of, source from config_change
    where site_id = ${siteId} ${options.before !== undefined ? sql`and id < ${options.before}` : sql``}
    order by id desc
    limit ${options.limit}`;
  return rows.map(changeOf);
}

/** One change of the site; undefined when the site has no change with that id. */
export async function findConfigChange(sql: Queryable, siteId: string, changeId: number): Promise<ConfigChange | undefined> {
  const [row] = await sql<ChangeRow[]>`
    select id, applied_at, applied_by, summary, rollback_of, source from config_change
    where site_id = ${siteId} and id = ${changeId}`;
  return row ? changeOf(row) : undefined;
}

/** The files a change was applied from, with their text, in the order they were read. */
export async function configChangeFiles(sql: Queryable, siteId: string, change: ConfigChange): Promise<ConfigFile[]> {
  const rows = await sql<{ digest: string; text: string }[]>`
    select digest, text from config_file
    where site_id = ${siteId} and digest = any(${change.files.map((file) => file.digest)})`;
  const texts = new Map(rows.map((row) => [row.digest, row.text]));
  return change.files.map((file) => {
    const text = texts.get(file.digest);
    // config_file rows go only with their site, so a kept change always finds its files.
    if (text === undefined) throw new Error(`configuration change ${change.id}: the text of ${file.path} is missing`);
    return { path: file.path, text };
  });
}
