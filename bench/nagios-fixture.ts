/**
 * A large Nagios configuration built the way Nagios sites are: host and service templates, role
 * hostgroups that attach services, a service on every host (`host_name *`), display hostgroups,
 * custom variables. Shared by the import and the apply benchmarks.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const HOSTS = 5_000;
export const ROLES = 50;
export const SERVICES_PER_ROLE = 9;
/** Services per host: those of its role, and PING on every host. */
export const SERVICES_PER_HOST = SERVICES_PER_ROLE + 1;
const COMMANDS = 30;

function define(type: string, directives: Record<string, string | number>): string {
  return `define ${type} {\n${Object.entries(directives).map(([k, v]) => `    ${k.padEnd(24)}${v}`).join('\n')}\n}\n`;
}

/** Writes `nagios.cfg` and the object files it names into `directory`. */
export function generateNagiosConfiguration(directory: string): void {
  const files: Record<string, string> = {};
  files['nagios.cfg'] = ['commands', 'timeperiods', 'contacts', 'templates', 'hostgroups', 'services', 'hosts'].map((f) => `cfg_file=objects/${f}.cfg`).join('\n') + '\nresource_file=resource.cfg\ninterval_length=60\n';
  files['resource.cfg'] = '$USER1$=/usr/lib/nagios/plugins\n';
  files['objects/commands.cfg'] = [
    define('command', { command_name: 'check-host-alive', command_line: '$USER1$/check_ping -H $HOSTADDRESS$ -w 3000.0,80% -c 5000.0,100% -p 5' }),
    ...Array.from({ length: COMMANDS }, (_, i) => define('command', { command_name: `check_${i}`, command_line: `$USER1$/check_${i} -H $HOSTADDRESS$ -w $ARG1$ -c $ARG2$ -C $_HOSTCOMMUNITY$` })),
  ].join('');
  files['objects/timeperiods.cfg'] = define('timeperiod', { timeperiod_name: '24x7', alias: 'Always', ...Object.fromEntries(['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].map((d) => [d, '00:00-24:00'])) })
    + define('timeperiod', { timeperiod_name: 'workhours', ...Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((d) => [d, '09:00-17:00'])) });
  files['objects/contacts.cfg'] = define('contactgroup', { contactgroup_name: 'admins', alias: 'Admins' }) + define('contact', { contact_name: 'ops', email: 'ops@example.com', contactgroups: 'admins' });
  files['objects/templates.cfg'] = [
    define('host', { name: 'generic-host', check_command: 'check-host-alive', max_check_attempts: 3, check_interval: 5, retry_interval: 1, check_period: '24x7', contact_groups: 'admins', _COMMUNITY: 'public', register: 0 }),
    define('host', { name: 'linux-server', use: 'generic-host', max_check_attempts: 5, hostgroups: '+linux', register: 0 }),
    define('host', { name: 'windows-server', use: 'generic-host', check_interval: 10, hostgroups: '+windows', register: 0 }),
    define('service', { name: 'generic-service', max_check_attempts: 3, check_interval: 5, retry_interval: 1, check_period: '24x7', contact_groups: 'admins', notification_options: 'w,c,r', register: 0 }),
    define('service', { name: 'fast-service', use: 'generic-service', check_interval: 1, register: 0 }),
  ].join('');
  files['objects/hostgroups.cfg'] = [
    define('hostgroup', { hostgroup_name: 'linux', alias: 'Linux servers' }),
    define('hostgroup', { hostgroup_name: 'windows', alias: 'Windows servers' }),
    ...Array.from({ length: 5 }, (_, d) => define('hostgroup', { hostgroup_name: `dc-${d}`, alias: `Data centre ${d}` })),
    ...Array.from({ length: ROLES }, (_, r) => define('hostgroup', { hostgroup_name: `role-${r}`, alias: `Role ${r}` })),
  ].join('');
  const services: string[] = [];
  for (let r = 0; r < ROLES; r++) {
    for (let k = 0; k < SERVICES_PER_ROLE; k++) {
      services.push(define('service', {
        use: k % 3 === 0 ? 'fast-service' : 'generic-service',
        hostgroup_name: `role-${r}`,
        service_description: `role-${r}-service-${k}`,
        check_command: `check_${(r + k) % COMMANDS}!${k * 10}!${k * 10 + 5}`,
      }));
    }
  }
  services.push(define('service', { use: 'generic-service', host_name: '*', service_description: 'PING', check_command: 'check_0!100!200' }));
  files['objects/services.cfg'] = services.join('');
  files['objects/hosts.cfg'] = Array.from({ length: HOSTS }, (_, i) =>
    define('host', {
      use: i % 4 === 3 ? 'windows-server' : 'linux-server',
      host_name: `host-${i}`,
      alias: `Host ${i}`,
      address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      hostgroups: `+role-${i % ROLES},dc-${i % 5}`,
      ...(i % 10 === 0 ? { _COMMUNITY: `secret-${i}` } : {}),
    }),
  ).join('');
  mkdirSync(join(directory, 'objects'), { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(directory, path), text);
}

