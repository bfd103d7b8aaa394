import type { SourcePosition } from './diagnostics.ts';
import type { CheckKind } from './schema.ts';
import type { Status } from '../status.ts';

/**
 * A site's configuration after templates and inheritance are resolved: only concrete objects,
 * every inherited value in place, every reference checked. This is what `vigil apply` stores and
 * what the scheduler and engines read. Parameter values stay unevaluated templates (`#{...}`):
 * they are resolved at check time, against the check's host, location and site.
 */
export interface SiteModel {
  name: string;
  /** Site parameters (`<parameter>` directly inside `<bergamot>`), name -> value template. */
  parameters: Record<string, string>;
  securityDomains: NamedObject[];
  locations: LocationModel[];
  groups: GroupModel[];
  timePeriods: TimePeriodModel[];
  commands: CommandModel[];
  credentials: CredentialModel[];
  teams: TeamModel[];
  contacts: ContactModel[];
  hosts: HostModel[];
  clusters: ClusterModel[];
  /** How many templates of each kind the configuration defines (not themselves objects). */
  templateCounts: Record<string, number>;
}

export interface NamedObject {
  name: string;
  summary?: string;
  description?: string;
  at: SourcePosition;
}

export interface LocationModel extends NamedObject {
  parent?: string;
  /** AWS region whose workers serve this location; undefined means the home region. */
  region?: string;
  parameters: Record<string, string>;
}

export interface GroupModel extends NamedObject {
  parents: string[];
  parameters: Record<string, string>;
}

export interface TimePeriodModel extends NamedObject {
  timeZone?: string;
  ranges: string[];
  excludes: string[];
}

export interface CommandModel extends NamedObject {
  engine: string;
  executor?: string;
  /** Parameter name -> value template; the defaults a check's arguments override. */
  parameters: Record<string, string>;
  script?: string;
}

export interface CredentialModel extends NamedObject {
  username?: string;
  password?: string;
  keyId?: string;
  keySecret?: string;
}

export interface TeamModel extends NamedObject {
  parents: string[];
  grants: string[];
  revokes: string[];
}

export interface ContactModel extends NamedObject {
  teams: string[];
  email?: string;
  phone?: string;
  /** Notification settings as written (channels, time periods, escalations); read by alerting. */
  notifications?: unknown;
}

export interface ScheduleModel {
  everyS: number;
  changingEveryS: number;
  retryEveryS: number;
  timePeriod?: string;
}

export interface StatePolicyModel {
  failedAfter: number;
  recoversAfter: number;
}

export interface CheckModel extends NamedObject {
  kind: CheckKind;
  enabled: boolean;
  groups: string[];
  /** Parameters set on the check itself, name -> value template. */
  parameters: Record<string, string>;
  command?: { name: string; arguments: Record<string, string> };
  schedule: ScheduleModel;
  state: StatePolicyModel;
  /** Teams and contacts to notify. */
  notify: { teams: string[]; contacts: string[] };
  notifications?: unknown;
  initially?: { status: Status; output?: string };
  /** Locations this check runs from and how many must fail; empty means the host's location. */
  runFrom?: { locations: string[]; quorum: number };
  /** Recurring downtime: the check is in downtime whenever this time period is open. */
  downtimePeriod?: string;
  /** A passive check that must hear a result every `everyS` seconds, plus `graceS`, or it goes CRITICAL. */
  freshness?: { everyS: number; graceS: number };
  /** Names of the templates this check inherits from, nearest first. */
  templates: string[];
}

export interface HostModel extends CheckModel {
  kind: 'host';
  /** Hosts this one is reached through: while one of them is down, this host's problems are not alerted. */
  parents: string[];
  address?: string;
  location?: string;
  resourcePool?: string;
  services: CheckModel[];
  traps: CheckModel[];
}

export interface ClusterModel extends CheckModel {
  kind: 'cluster';
  condition?: string;
  resources: (CheckModel & { condition?: string })[];
}

/** Objects by kind, the figures `vigil validate` prints. */
export function countObjects(site: SiteModel): Record<string, number> {
  const services = site.hosts.reduce((n, h) => n + h.services.length, 0);
  const traps = site.hosts.reduce((n, h) => n + h.traps.length, 0);
  const resources = site.clusters.reduce((n, c) => n + c.resources.length, 0);
  return {
    locations: site.locations.length,
    groups: site.groups.length,
    hosts: site.hosts.length,
    services,
    traps,
    clusters: site.clusters.length,
    resources,
    commands: site.commands.length,
    contacts: site.contacts.length,
    teams: site.teams.length,
    'time-periods': site.timePeriods.length,
    credentials: site.credentials.length,
    'security-domains': site.securityDomains.length,
    parameters: Object.keys(site.parameters).length,
  };
}
