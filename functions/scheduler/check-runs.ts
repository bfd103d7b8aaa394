/**
 * What a job is made of: one `check_run` row (a check and one of its locations, with parameters
 * resolved on apply) joined with its check, state, command, host, location and site. The tick's
 * planning query and "run now" select the same columns from the same joins, and turn rows into
 * CheckJobs the same way.
 *
 * Only checks with a `check_run` row are run by workers: traps (passive), clusters and resources
 * (worked out from other checks) and checks without a command have none.
 */
import type { CheckJob } from '#core/messages.ts';
import type { Queryable } from '#store/database.ts';
import { startSlackMs } from './timing.ts';

/** Site parameter that lets a site's checks reach cloud metadata addresses (169.254.169.254...). */
export const ALLOW_METADATA_ADDRESSES_PARAMETER = 'vigil.allow-metadata-addresses';

export interface CheckRunRow {
  site_id: string;
  check_id: string;
  location_id: string | null;
  location_name: string | null;
  /** The location's region; null for the home region. */
  region: string | null;
  check_name: string;
  host_name: string | null;
  host_address: string | null;
  command_name: string;
  engine: string;
  script: string | null;
  parameters: Record<string, string>;
  secret_names: string[];
  timeout_ms: number;
  allow_metadata_addresses: boolean;
  time_period_id: string | null;
  /** The interval of the check's current state (check_interval_s, sql/004). */
  interval_ms: number;
}

/** A job and where it goes. */
export interface PlannedJob {
  /** The region whose check queue takes it (the home region for locations without one). */
  region: string;
  /** For messages: the location's name, or null for the home region's default. */
  locationName: string | null;
  job: CheckJob;
}

/** The columns of {@link CheckRunRow}, for `select ${checkRunColumns(sql)} from ${checkRunSource(sql)}`. */
export function checkRunColumns(sql: Queryable) {
  return sql`
    r.site_id, r.check_id, r.location_id, l.name as location_name, l.region,
    c.name as check_name, h.name as host_name, h.address as host_address,
    cmd.name as command_name, cmd.engine, cmd.script,
    r.parameters, r.secret_names, r.timeout_ms,
    coalesce(st.parameters ->> ${ALLOW_METADATA_ADDRESSES_PARAMETER} = 'true', false) as allow_metadata_addresses,
    c.time_period_id, i.interval_ms`;
}

/** The joins behind {@link checkRunColumns}: `r` check_run, `c` check, `s` check_state, `i` the interval. */
export function checkRunSource(sql: Queryable) {
  return sql`
    check_run r
    join "check" c on c.id = r.check_id and c.site_id = r.site_id
    join check_state s on s.check_id = r.check_id
    join command cmd on cmd.id = c.command_id
    join site st on st.id = r.site_id
    left join host h on h.id = c.host_id
    left join location l on l.id = r.location_id
    cross join lateral (
      select check_interval_s(s.status, s.hard, c.every_s, c.changing_every_s, c.retry_every_s)::bigint * 1000 as interval_ms
    ) i`;
}

/** The job for one run of `row` due at `dueAtMs`. */
export function checkJob(row: CheckRunRow, dueAtMs: number, homeRegion: string, runNow = false): PlannedJob {
  return {
    region: row.region ?? homeRegion,
    locationName: row.location_name,
    job: {
      v: 1,
      siteId: row.site_id,
      checkId: row.check_id,
      locationId: row.location_id,
      dueAtMs,
      startByMs: dueAtMs + startSlackMs(row.interval_ms),
      timeoutMs: row.timeout_ms,
      ...(runNow ? { runNow: true } : {}),
      check: {
        name: row.check_name,
        ...(row.host_name !== null
          ? { host: { name: row.host_name, ...(row.host_address !== null ? { address: row.host_address } : {}) } }
          : {}),
        command: { name: row.command_name, engine: row.engine, ...(row.script !== null ? { script: row.script } : {}) },
        parameters: row.parameters,
        secretNames: row.secret_names,
        allowMetadataAddresses: row.allow_metadata_addresses,
      },
    },
  };
}
