/**
 * Which elements and attributes Bergamot's site XML allows, and where. The reader checks every
 * element against this table, so a misspelt attribute is reported instead of silently ignored
 * (Bergamot itself ignores it, which is how typos live on for years).
 */
export interface ElementSpec {
  attributes: readonly string[];
  required?: readonly string[];
  children?: readonly string[];
  /** Known misspellings that are accepted with a warning, mapped to the attribute meant. */
  aliases?: Readonly<Record<string, string>>;
}

const NAMED = ['name', 'extends', 'template', 'security-domains'] as const;
const DOCUMENTED = ['summary', 'description'] as const;
const CHECK_CHILDREN = [
  ...DOCUMENTED,
  'parameter',
  'check-command',
  'schedule',
  'state',
  'notifications',
  'notify',
  'initially',
  'run-from',
  'freshness',
  'downtime',
] as const;
const CHECK_ATTRIBUTES = [...NAMED, 'groups', 'enabled', 'application', 'category', 'suppressed'] as const;

/** The object kinds that may appear directly inside `<bergamot>`. */
export const OBJECT_KINDS = [
  'location',
  'group',
  'host',
  'service',
  'trap',
  'cluster',
  'resource',
  'command',
  'contact',
  'team',
  'time-period',
  'credential',
  'security-domain',
] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

export const ELEMENTS: Readonly<Record<string, ElementSpec>> = {
  bergamot: { attributes: ['site'], required: ['site'], children: [...OBJECT_KINDS, 'parameter'] },

  location: { attributes: [...NAMED, 'location', 'region'], required: ['name'], children: [...DOCUMENTED, 'parameter'] },
  group: {
    attributes: [...NAMED, 'groups'],
    required: ['name'],
    children: [...DOCUMENTED, 'parameter'],
    aliases: { group: 'groups' },
  },
  host: {
    attributes: [...CHECK_ATTRIBUTES, 'location', 'address', 'resource-pool', 'alias', 'parents'],
    required: ['name'],
    children: [...CHECK_CHILDREN, 'service', 'trap', 'address'],
  },
  service: { attributes: CHECK_ATTRIBUTES, required: ['name'], children: CHECK_CHILDREN },
  trap: { attributes: CHECK_ATTRIBUTES, required: ['name'], children: CHECK_CHILDREN },
  cluster: {
    attributes: [...CHECK_ATTRIBUTES],
    required: ['name'],
    children: [...CHECK_CHILDREN, 'condition', 'resource'],
  },
  resource: { attributes: CHECK_ATTRIBUTES, required: ['name'], children: [...CHECK_CHILDREN, 'condition'] },
  command: {
    attributes: [...NAMED, 'engine', 'executor', 'category', 'application'],
    required: ['name'],
    children: [...DOCUMENTED, 'parameter', 'script', 'category', 'application'],
  },
  contact: {
    attributes: [...NAMED, 'teams', 'grants', 'revokes', 'email', 'phone'],
    required: ['name'],
    children: [...DOCUMENTED, 'parameter', 'access-control', 'notifications', 'email', 'phone', 'mobile', 'pager', 'first-name', 'family-name', 'full-name'],
  },
  team: {
    attributes: [...NAMED, 'teams', 'grants', 'revokes'],
    required: ['name'],
    children: [...DOCUMENTED, 'parameter', 'access-control'],
  },
  'time-period': {
    attributes: [...NAMED, 'excludes', 'time-zone'],
    required: ['name'],
    children: [...DOCUMENTED, 'time-range'],
  },
  credential: {
    attributes: [...NAMED],
    required: ['name'],
    children: [...DOCUMENTED, 'username', 'password', 'key-id', 'key-secret'],
  },
  'security-domain': { attributes: ['name'], required: ['name'], children: DOCUMENTED },

  parameter: { attributes: ['name', 'description'], required: ['name'] },
  'check-command': { attributes: ['command'], required: ['command'], children: ['parameter'] },
  schedule: { attributes: ['every', 'changing-every', 'retry-every', 'time-period'] },
  state: { attributes: ['failed-after', 'recovers-after'] },
  notifications: {
    attributes: ['enabled', 'time-period', 'all-engines', 'alerts', 'recovery', 'acknowledge', 'ignore', 'renotify-every'],
    children: ['notification-engine', 'escalate'],
  },
  /** Vigil: `<parameter>`s for the channel (a webhook's `url` and `secret`, a Slack `url`). */
  'notification-engine': {
    attributes: ['engine', 'enabled', 'time-period', 'alert', 'alerts', 'recovery', 'acknowledge', 'ignore'],
    required: ['engine'],
    children: ['parameter'],
  },
  escalate: { attributes: ['after', 'time-period', 'renotify', 'ignore'], required: ['after'], children: ['notify'] },
  notify: { attributes: ['teams', 'contacts'] },
  initially: { attributes: ['status', 'output'] },
  'access-control': { attributes: ['security-domain', 'grants', 'revokes'] },
  /** Vigil: recurring downtime, whenever the time period is open. */
  downtime: { attributes: ['time-period'], required: ['time-period'] },
  /** Vigil: a passive check that must hear a result every `every` (plus `grace`), or it goes CRITICAL. */
  freshness: { attributes: ['every', 'grace'], required: ['every'] },
  /** Vigil: run the check from several locations and combine them, e.g. 2 of 3 must fail. */
  'run-from': { attributes: ['locations', 'quorum'], required: ['locations'] },

  summary: { attributes: [] },
  description: { attributes: [] },
  condition: { attributes: [] },
  script: { attributes: [] },
  'time-range': { attributes: [] },
  category: { attributes: [] },
  application: { attributes: [] },
  address: { attributes: [] },
  username: { attributes: [] },
  password: { attributes: [] },
  'key-id': { attributes: [] },
  'key-secret': { attributes: [] },
  email: { attributes: [] },
  phone: { attributes: [] },
  mobile: { attributes: [] },
  pager: { attributes: [] },
  'first-name': { attributes: [] },
  'family-name': { attributes: [] },
  'full-name': { attributes: [] },
};

/** Object kinds whose definitions are checks (they have a state). */
export const CHECK_KINDS = ['host', 'service', 'trap', 'cluster', 'resource'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

/** Kinds that a host or cluster may contain, keyed by container. */
export const NESTED_KINDS: Readonly<Partial<Record<ObjectKind, readonly ObjectKind[]>>> = {
  host: ['service', 'trap'],
  cluster: ['resource'],
};
