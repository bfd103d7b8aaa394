/**
 * The Nagios object types and the directives each accepts (Nagios Core 4's object definitions),
 * so that a misspelt directive is reported where it is written instead of silently ignored.
 * `use`, `name` and `register` are accepted everywhere; custom variables (`_SNMP_COMMUNITY`) on
 * hosts, services and contacts; a timeperiod's other lines are its time ranges.
 */
export const OBJECT_TYPES = [
  'host',
  'service',
  'hostgroup',
  'servicegroup',
  'contact',
  'contactgroup',
  'command',
  'timeperiod',
  'hostdependency',
  'servicedependency',
  'hostescalation',
  'serviceescalation',
  'hostextinfo',
  'serviceextinfo',
] as const;
export type NagiosObjectType = (typeof OBJECT_TYPES)[number];

export function isObjectType(name: string): name is NagiosObjectType {
  return (OBJECT_TYPES as readonly string[]).includes(name);
}

export interface TypeSpec {
  /** The directive that names a registered object (`host_name`); services have none of their own. */
  nameDirective?: string;
  directives: ReadonlySet<string>;
  /** Older spellings Nagios still reads, mapped to the directive meant. */
  aliases: Readonly<Record<string, string>>;
  /** Whether `_NAME value` custom variables are allowed. */
  customVariables: boolean;
  /** Directives a registered object cannot do without; an inner array means "one of these". */
  required: readonly (string | readonly string[])[];
}

/** Directives common to every object type: template machinery. */
export const TEMPLATE_DIRECTIVES = new Set(['use', 'name', 'register']);

const CHECK_COMMON = [
  'display_name', 'check_command', 'initial_state', 'max_check_attempts', 'check_interval', 'retry_interval',
  'normal_check_interval', 'retry_check_interval', 'active_checks_enabled', 'passive_checks_enabled', 'check_period',
  'obsess_over_host', 'obsess_over_service', 'obsess', 'check_freshness', 'freshness_threshold', 'event_handler',
  'event_handler_enabled', 'low_flap_threshold', 'high_flap_threshold', 'flap_detection_enabled', 'flap_detection_options',
  'process_perf_data', 'retain_status_information', 'retain_nonstatus_information', 'contacts', 'contact_groups',
  'notification_interval', 'first_notification_delay', 'notification_period', 'notification_options',
  'notifications_enabled', 'stalking_options', 'notes', 'notes_url', 'action_url', 'icon_image', 'icon_image_alt',
  'failure_prediction_enabled', 'failure_prediction_options', 'importance', 'hourly_value', 'parents',
];

const CHECK_ALIASES = { normal_check_interval: 'check_interval', retry_check_interval: 'retry_interval' };

export const TYPE_SPECS: Readonly<Record<NagiosObjectType, TypeSpec>> = {
  host: {
    nameDirective: 'host_name',
    directives: new Set([...CHECK_COMMON, 'host_name', 'alias', 'address', 'address6', 'hostgroups', 'vrml_image', 'statusmap_image', '2d_coords', '3d_coords']),
    aliases: CHECK_ALIASES,
    customVariables: true,
    required: ['host_name', 'max_check_attempts'],
  },
  service: {
    directives: new Set([...CHECK_COMMON, 'host_name', 'hostgroup_name', 'service_description', 'servicegroups', 'is_volatile', 'parallelize_check']),
    aliases: { ...CHECK_ALIASES, host: 'host_name', hosts: 'host_name', hostgroup: 'hostgroup_name', hostgroups: 'hostgroup_name', description: 'service_description' },
    customVariables: true,
    required: ['service_description', ['host_name', 'hostgroup_name'], 'check_command', 'max_check_attempts'],
  },
  hostgroup: {
    nameDirective: 'hostgroup_name',
    directives: new Set(['hostgroup_name', 'alias', 'members', 'hostgroup_members', 'notes', 'notes_url', 'action_url']),
    aliases: {},
    customVariables: false,
    required: ['hostgroup_name'],
  },
  servicegroup: {
    nameDirective: 'servicegroup_name',
    directives: new Set(['servicegroup_name', 'alias', 'members', 'servicegroup_members', 'notes', 'notes_url', 'action_url']),
    aliases: {},
    customVariables: false,
    required: ['servicegroup_name'],
  },
  contact: {
    nameDirective: 'contact_name',
    directives: new Set([
      'contact_name', 'alias', 'contactgroups', 'minimum_importance', 'minimum_value', 'host_notifications_enabled',
      'service_notifications_enabled', 'host_notification_period', 'service_notification_period', 'host_notification_options',
      'service_notification_options', 'host_notification_commands', 'service_notification_commands', 'email', 'pager',
      'address1', 'address2', 'address3', 'address4', 'address5', 'address6', 'can_submit_commands',
      'retain_status_information', 'retain_nonstatus_information',
    ]),
    aliases: {},
    customVariables: true,
    required: ['contact_name'],
  },
  contactgroup: {
    nameDirective: 'contactgroup_name',
    directives: new Set(['contactgroup_name', 'alias', 'members', 'contactgroup_members']),
    aliases: {},
    customVariables: false,
    required: ['contactgroup_name'],
  },
  command: {
    nameDirective: 'command_name',
    directives: new Set(['command_name', 'command_line']),
    aliases: {},
    customVariables: false,
    required: ['command_name', 'command_line'],
  },
  timeperiod: {
    nameDirective: 'timeperiod_name',
    directives: new Set(['timeperiod_name', 'alias', 'exclude']),
    aliases: {},
    customVariables: false,
    required: ['timeperiod_name'],
  },
  hostdependency: {
    directives: new Set(['dependent_host_name', 'dependent_hostgroup_name', 'host_name', 'hostgroup_name', 'inherits_parent', 'execution_failure_criteria', 'notification_failure_criteria', 'dependency_period']),
    aliases: {},
    customVariables: false,
    required: [['host_name', 'hostgroup_name'], ['dependent_host_name', 'dependent_hostgroup_name']],
  },
  servicedependency: {
    directives: new Set([
      'dependent_host_name', 'dependent_hostgroup_name', 'dependent_servicegroup_name', 'dependent_service_description',
      'host_name', 'hostgroup_name', 'servicegroup_name', 'service_description', 'inherits_parent',
      'execution_failure_criteria', 'notification_failure_criteria', 'dependency_period',
    ]),
    aliases: {},
    customVariables: false,
    required: [['host_name', 'hostgroup_name', 'servicegroup_name'], ['service_description', 'servicegroup_name'], ['dependent_service_description', 'dependent_servicegroup_name']],
  },
  hostescalation: {
    directives: new Set(['host_name', 'hostgroup_name', 'contacts', 'contact_groups', 'first_notification', 'last_notification', 'notification_interval', 'escalation_period', 'escalation_options']),
    aliases: {},
    customVariables: false,
    required: [['host_name', 'hostgroup_name'], 'first_notification', 'last_notification', ['contacts', 'contact_groups']],
  },
  serviceescalation: {
    directives: new Set([
      'host_name', 'hostgroup_name', 'servicegroup_name', 'service_description', 'contacts', 'contact_groups',
      'first_notification', 'last_notification', 'notification_interval', 'escalation_period', 'escalation_options',
    ]),
    aliases: {},
    customVariables: false,
    required: [['host_name', 'hostgroup_name', 'servicegroup_name'], ['service_description', 'servicegroup_name'], 'first_notification', 'last_notification', ['contacts', 'contact_groups']],
  },
  hostextinfo: {
    directives: new Set(['host_name', 'hostgroup_name', 'notes', 'notes_url', 'action_url', 'icon_image', 'icon_image_alt', 'vrml_image', 'statusmap_image', '2d_coords', '3d_coords']),
    aliases: {},
    customVariables: false,
    required: [],
  },
  serviceextinfo: {
    directives: new Set(['host_name', 'hostgroup_name', 'service_description', 'notes', 'notes_url', 'action_url', 'icon_image', 'icon_image_alt']),
    aliases: {},
    customVariables: false,
    required: [],
  },
};

/**
 * Directives whose values are numbers, flags or option letters: Nagios reads them as such, so
 * they take no additive `+` and no `null`. Every other directive is a string.
 */
export function isStringDirective(name: string): boolean {
  return !/(_interval|_enabled|_attempts|_threshold|_delay|_options|_state|_criteria|_value|_importance)$/.test(name)
    && !['register', 'is_volatile', 'parallelize_check', 'obsess', 'obsess_over_host', 'obsess_over_service', 'check_freshness',
      'process_perf_data', 'retain_status_information', 'retain_nonstatus_information', 'first_notification',
      'last_notification', 'importance', 'can_submit_commands', 'inherits_parent'].includes(name);
}

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
