/**
 * Nagios objects -> Vigil site XML that a person can read and edit, and that schedules the same
 * checks on the same hosts:
 *
 * - Nagios host, service and contact templates become Vigil templates (`use a, b` becomes
 *   `extends="b, a"`: in Nagios the first template wins, in Vigil the last). Each object writes
 *   only what its templates do not already give it; where Nagios's `+` and `null` give a result
 *   Vigil's inheritance cannot, the object writes the result itself.
 * - A hostgroup that services are attached to becomes a host template holding those services,
 *   and its hosts extend it: the class of server is the template, as Bergamot argues. The group
 *   stays a display group only if something else uses it as one (nested groups, escalations,
 *   dependencies, notes), or with `keepGroups`.
 * - A host that Nagios gives a service differently from its template (an exclusion with `!`, a
 *   duplicate definition Nagios prefers, a check period inherited from the host) gets its own
 *   `<service>` that replaces the template's; an excluded one is replaced by a template, which
 *   is not run.
 * - Commands become `nagios` engine commands (`command_line` with `#{...}` expressions for the
 *   macros), or with `native`, `http`/`tcp`/`nrpe`/`dns`/`certificate` commands where the plugin
 *   and its options have an exact equivalent.
 * - Timing: `check_interval` x `interval_length` is `every` and `retry-every` (Nagios uses the
 *   normal interval again once a problem is hard), `retry_interval` is `changing-every` (soft
 *   states), `max_check_attempts` is `failed-after`, `check_period` the schedule's time period.
 *
 * Every definition read is accounted for: converted, or skipped with the reason.
 */
import { relative, resolve } from 'node:path';
import { CommandLineError, splitCommandLine } from '#engines/nagios/command-line.ts';
import type { NagiosObjectType } from './directives.ts';
import { type NagiosObject, type Resolved, type Value, describe, listOf, valueOf } from './inherit.ts';
import { escapeExpressions, toVigilText, userParameter, type VigilTextOptions } from './macros.ts';
import { type NagiosModel, type ServiceInfo, PAIR_SEPARATOR, serviceValue, splitCheckCommand } from './model.ts';
import { NATIVE_PLUGINS, type NativeResult, nativeCheck, pluginOf } from './native.ts';
import { type Settings, type VigilObject, Chains, fit, renderObject, sameSettings, settingsKey } from './settings.ts';
import { type XmlChild, type XmlNode, renderDocument } from './xml.ts';

export interface ConvertOptions {
  /** The Vigil site name; default `nagios`. */
  site?: string;
  /** The plugin directory (`#{global.nagios_path}`); default `$USER1$`, else /usr/lib/nagios/plugins. */
  pluginPath?: string;
  /** Use native engines where a plugin has an exact equivalent. */
  native?: boolean;
  /** Keep every hostgroup as a display group, also those that only attach services. */
  keepGroups?: boolean;
  /** IANA zone for the time periods (Nagios uses its server's local time). */
  timeZone?: string;
}

export interface Outcome {
  object: NagiosObject;
  /** `host 'web-1'`, `service 'PING'`... */
  label: string;
  converted?: string;
  skipped?: string;
}

export interface ConversionSummary {
  outcomes: Outcome[];
  notes: string[];
  /** Vigil objects written, by kind. */
  written: Record<string, number>;
}

export interface Conversion {
  files: { path: string; text: string }[];
  summary: ConversionSummary;
  site: string;
  pluginPath: string;
}

export const DEFAULT_PLUGIN_PATH = '/usr/lib/nagios/plugins';
const PLUGIN_MACRO = 'USER1';

export function convertModel(model: NagiosModel, options: ConvertOptions = {}): Conversion {
  return new Converter(model, options).run();
}

/** Names are unique per Vigil kind; a Nagios name already taken gets a suffix. */
class Names {
  private readonly taken = new Map<string, Set<string>>();

  claim(kind: string, wanted: string, suffix: string): string {
    let set = this.taken.get(kind);
    if (!set) this.taken.set(kind, (set = new Set()));
    let name = wanted;
    for (let n = 2; set.has(name); n++) name = n === 2 ? `${wanted}${suffix}` : `${wanted}${suffix}-${n - 1}`;
    set.add(name);
    return name;
  }
}

interface CheckCommandChoice {
  node?: XmlNode;
  skip?: string;
}

interface TemplatePlan {
  name: string;
  object: VigilObject;
  /** The nested services, by description: the definition each came from and the settings it was written for. */
  services: Map<string, { service: ServiceInfo; object: VigilObject; settings: Settings }>;
}

/** What a service takes from its host when it does not say (Nagios's implied inheritance). */
const IMPLIED = ['check_period', 'notification_period', 'notification_interval', 'contacts', 'contact_groups'];

/** Directives the converter carries over; the others are listed in the notes. */
const CONVERTED: Partial<Record<NagiosObjectType, ReadonlySet<string>>> = {
  host: new Set(['host_name', 'alias', 'address', 'parents', 'hostgroups', 'check_command', 'max_check_attempts', 'check_interval', 'retry_interval', 'active_checks_enabled', 'check_period', 'contacts', 'contact_groups', 'notification_period', 'notification_options', 'notifications_enabled', 'notes']),
  service: new Set(['host_name', 'hostgroup_name', 'service_description', 'servicegroups', 'display_name', 'check_command', 'max_check_attempts', 'check_interval', 'retry_interval', 'active_checks_enabled', 'check_period', 'contacts', 'contact_groups', 'notification_period', 'notification_options', 'notifications_enabled', 'notes']),
  contact: new Set(['contact_name', 'alias', 'contactgroups', 'email', 'pager', 'host_notification_period', 'service_notification_period', 'host_notification_options', 'service_notification_options', 'host_notifications_enabled', 'service_notifications_enabled', 'host_notification_commands', 'service_notification_commands']),
};

class Converter {
  private readonly site: string;
  private readonly pluginPath: string;
  private readonly text: VigilTextOptions = { pluginMacro: PLUGIN_MACRO };
  private readonly names = new Names();
  private readonly chains = new Chains();
  private readonly outcomes = new Map<NagiosObject, Outcome>();
  private readonly notes: string[] = [];
  private readonly unsupportedMacros = new Set<string>();
  private readonly written: Record<string, number> = {};

  /** Nagios command -> Vigil `nagios` engine command name (absent when skipped or native only). */
  private readonly nagiosCommands = new Map<string, string>();
  /** `command\0engine` -> Vigil native command name. */
  private readonly nativeCommands = new Map<string, string>();
  private readonly skippedCommands = new Map<string, string>();
  private readonly nativeUses = new Map<string, NativeResult | undefined>();
  private readonly checkCommands = new Map<string, CheckCommandChoice>();

  private readonly hostTemplates = new Map<string, string>();
  private readonly serviceTemplates = new Map<string, string>();
  private readonly contactTemplates = new Map<string, string>();
  private readonly displayHostgroups = new Map<string, string>();
  private readonly servicegroupNames = new Map<string, string>();
  private readonly teams = new Map<string, string>();
  private readonly pairGroups = new Map<string, string[]>();
  private readonly desired = new Map<ServiceInfo, Map<string, Settings>>();
  private readonly skippedServices = new Map<ServiceInfo, string>();
  private readonly servicePlaced = new Map<ServiceInfo, number>();

  private readonly sections = {
    site: [] as XmlChild[],
    commands: [] as XmlChild[],
    contacts: [] as XmlChild[],
    groups: [] as XmlChild[],
    templates: [] as XmlChild[],
    hosts: [] as XmlChild[],
  };

  constructor(
    private readonly model: NagiosModel,
    private readonly options: ConvertOptions,
  ) {
    this.site = options.site ?? 'nagios';
    const user1 = model.resources.get(PLUGIN_MACRO);
    const placeholder = user1 !== undefined && /@[A-Za-z_]+@/.test(user1.value);
    this.pluginPath = options.pluginPath ?? (user1 && !placeholder && user1.value !== '' ? user1.value.replace(/\/+$/, '') : DEFAULT_PLUGIN_PATH);
    if (options.pluginPath === undefined && (placeholder || !user1)) {
      this.notes.push(user1
        ? `$USER1$ is the autoconf placeholder '${user1.value}' (${user1.at.file}:${user1.at.line}): plugins are looked up in ${DEFAULT_PLUGIN_PATH}; change it with --plugin-path`
        : `no $USER1$ in a resource file: plugins are looked up in ${DEFAULT_PLUGIN_PATH}; change it with --plugin-path`);
    }
  }

  run(): Conversion {
    // Concrete objects keep their Nagios names; templates give way when a name is taken.
    for (const host of this.model.hosts.keys()) this.names.claim('host', host, '');
    for (const contact of this.model.contacts.keys()) this.names.claim('contact', contact, '');
    this.siteParameters();
    this.commands();
    this.timeperiods();
    this.contacts();
    this.groups();
    for (const name of this.model.templates.get('service')?.keys() ?? []) this.serviceTemplate(name);
    for (const name of this.model.templates.get('host')?.keys() ?? []) this.hostTemplate(name);
    this.hostsAndServices();
    this.remainingOutcomes();
    this.finalNotes();
    const files: { path: string; text: string }[] = [];
    const file = (path: string, children: XmlChild[], heading: string) => {
      if (children.length > 0) files.push({ path, text: renderDocument(this.site, children, heading) });
    };
    file('site.xml', this.sections.site, 'Imported from Nagios: site parameters and time periods');
    file('commands.xml', this.sections.commands, 'Imported from Nagios: commands');
    file('contacts.xml', this.sections.contacts, 'Imported from Nagios: contact groups (teams) and contacts');
    file('groups.xml', this.sections.groups, 'Imported from Nagios: hostgroups and servicegroups used for display');
    file('templates.xml', this.sections.templates, 'Imported from Nagios: service and host templates, and hostgroups that attach services');
    file('hosts.xml', this.sections.hosts, 'Imported from Nagios: hosts and their services');
    const outcomes = this.model.objects.map((object) => this.outcomes.get(object) ?? { object, label: this.label(object), skipped: 'not converted' });
    return { files, summary: { outcomes, notes: this.notes, written: this.written }, site: this.site, pluginPath: this.pluginPath };
  }

  // ---- bookkeeping ---------------------------------------------------------------------------

  private label(object: NagiosObject): string {
    const resolved = this.model.resolved.get(object)!;
    if (!object.register && object.templateName !== undefined) return `${object.type} template '${object.templateName}'`;
    return describe(resolved);
  }

  private converted(object: NagiosObject, as: string): void {
    const previous = this.outcomes.get(object)?.converted;
    this.outcomes.set(object, { object, label: this.label(object), converted: previous ? `${previous}; ${as}` : as });
  }

  private skipped(object: NagiosObject, reason: string): void {
    if (this.outcomes.get(object)?.converted) return;
    this.outcomes.set(object, { object, label: this.label(object), skipped: reason });
  }

  private count(kind: string): void {
    this.written[kind] = (this.written[kind] ?? 0) + 1;
  }

  /** `localhost.cfg:21`: the place, relative to the main file's directory, for comments in the XML. */
  private source(object: NagiosObject): string {
    const { cwd, mainDirectory } = this.model.files;
    return `${relative(mainDirectory, resolve(cwd, object.at.file)) || object.at.file}:${object.at.line}`;
  }

  // ---- site parameters -----------------------------------------------------------------------

  private siteParameters(): void {
    this.sections.site.push({ comment: '$USER1$: where the Nagios plugins are' }, { name: 'parameter', attributes: [['name', 'nagios_path']], text: this.pluginPath });
    const others = [...this.model.resources].filter(([name]) => name !== PLUGIN_MACRO).sort(([a], [b]) => Number(a.slice(4)) - Number(b.slice(4)));
    for (const [name, setting] of others) {
      this.sections.site.push({ comment: `$${name}$ (${setting.at.file}:${setting.at.line})` }, { name: 'parameter', attributes: [['name', userParameter(Number(name.slice(4)))]], text: escapeExpressions(setting.value) });
    }
    if (others.length > 0) {
      this.notes.push(`${others.map(([n]) => `$${n}$`).join(', ')} became site parameters ${others.map(([n]) => userParameter(Number(n.slice(4)))).join(', ')}; one that holds a password belongs in a <credential> (#{resolve_credentials('name').password})`);
    }
  }

  // ---- commands ------------------------------------------------------------------------------

  /** `/usr/local/nagios/libexec/check_x` is `$USER1$/check_x` when that is where $USER1$ points. */
  private commandLine(line: string): string {
    const user1 = this.model.resources.get(PLUGIN_MACRO)?.value.replace(/\/+$/, '');
    if (user1 && user1.startsWith('/') && line.trimStart().startsWith(`${user1}/`)) return line.trimStart().replace(user1, `$${PLUGIN_MACRO}$`);
    return line;
  }

  private commands(): void {
    const { model } = this;
    const checkUses = new Set<string>();
    const notification = new Set<string>();
    const eventHandlers = new Set<string>();
    for (const resolved of model.resolved.values()) {
      const { type } = resolved.object;
      if (type === 'host' || type === 'service') {
        const command = valueOf(resolved, 'check_command');
        if (command !== undefined) checkUses.add(command);
        const handler = valueOf(resolved, 'event_handler');
        if (handler !== undefined) eventHandlers.add(splitCheckCommand(handler).name);
      }
      if (type === 'contact') {
        for (const directive of ['host_notification_commands', 'service_notification_commands']) {
          for (const name of listOf(resolved, directive)) notification.add(splitCheckCommand(name).name);
        }
      }
    }
    for (const setting of ['global_host_event_handler', 'global_service_event_handler']) {
      const value = model.files.settings.get(setting)?.value;
      if (value) eventHandlers.add(splitCheckCommand(value).name);
    }
    const perfdata = new Set<string>();
    for (const setting of ['host_perfdata_command', 'service_perfdata_command', 'ocsp_command', 'ochp_command', 'host_perfdata_file_processing_command', 'service_perfdata_file_processing_command']) {
      const value = model.files.settings.get(setting)?.value;
      if (value) perfdata.add(splitCheckCommand(value).name);
    }
    const usedByChecks = new Set([...checkUses].map((c) => splitCheckCommand(c).name));

    // Native engines: decide per use, then per command.
    const engines = new Map<string, Set<string>>();
    const fallbacks = new Map<string, string>();
    if (this.options.native) {
      for (const use of checkUses) {
        const { name, args } = splitCheckCommand(use);
        const command = model.commands.get(name);
        if (!command) continue;
        const line = this.commandLine(command.line);
        const program = pluginOf(line);
        if (!program || !NATIVE_PLUGINS[program]) continue;
        const withArgs = line.replace(/\$ARG([1-9][0-9]?)\$/g, (_, n: string) => args[Number(n) - 1] ?? '');
        const result = nativeCheck(withArgs, this.text);
        this.nativeUses.set(use, result);
        if (result.ok) {
          let set = engines.get(name);
          if (!set) engines.set(name, (set = new Set()));
          set.add(result.engine);
        } else if (!fallbacks.has(name)) fallbacks.set(name, `${use}: ${result.reason}`);
      }
    }

    for (const command of model.commands.values()) {
      const object = command.resolved.object;
      const line = this.commandLine(command.line);
      const runnable = runnableReason(line);
      const used = usedByChecks.has(command.name);
      if (runnable !== undefined) {
        const reason = used
          ? `it cannot run without a shell (${runnable}); the checks that use it are skipped`
          : notification.has(command.name)
            ? 'a notification command: Vigil sends notifications itself (teams, contacts and their <notifications>)'
            : eventHandlers.has(command.name)
              ? 'an event handler: Vigil does not run commands on state changes'
              : perfdata.has(command.name)
                ? 'a performance data command: Vigil stores readings itself'
                : `it cannot run without a shell (${runnable}), and no check uses it`;
        this.skippedCommands.set(command.name, reason);
        this.skipped(object, reason);
        continue;
      }
      if (!used && notification.has(command.name)) {
        this.skippedCommands.set(command.name, 'a notification command');
        this.skipped(object, 'a notification command: Vigil sends notifications itself (teams, contacts and their <notifications>)');
        continue;
      }
      if (!used && (eventHandlers.has(command.name) || perfdata.has(command.name))) {
        const reason = eventHandlers.has(command.name) ? 'an event handler: Vigil does not run commands on state changes' : 'a performance data command: Vigil stores readings itself';
        this.skippedCommands.set(command.name, reason);
        this.skipped(object, reason);
        continue;
      }
      let nativeEngines = [...(engines.get(command.name) ?? [])];
      let bareNative: NativeResult | undefined;
      const program = pluginOf(line);
      if (this.options.native && !used && program && NATIVE_PLUGINS[program]) {
        bareNative = nativeCheck(line, this.text);
        if (bareNative.ok) nativeEngines = [bareNative.engine];
      }
      const wantsNagios = nativeEngines.length === 0 || fallbacks.has(command.name);
      const as: string[] = [];
      if (wantsNagios) {
        const name = this.names.claim('command', command.name, '-nagios');
        this.nagiosCommands.set(command.name, name);
        const unsupported = new Set<string>();
        const vigilLine = toVigilText(line, this.text, unsupported);
        for (const macro of unsupported) this.unsupportedMacros.add(`${macro} (command '${command.name}')`);
        this.sections.commands.push(
          { comment: this.source(object) },
          { name: 'command', attributes: [['name', name], ['engine', 'nagios']], children: [{ name: 'parameter', attributes: [['name', 'command_line']], text: vigilLine }] },
        );
        this.count('commands');
        as.push(`command '${name}' (nagios engine)`);
        if (fallbacks.has(command.name) && nativeEngines.length > 0) this.notes.push(`command '${command.name}' stays on the nagios engine for some checks: ${fallbacks.get(command.name)}`);
      }
      for (const engine of nativeEngines) {
        const name = this.names.claim('command', wantsNagios || nativeEngines.length > 1 ? `${command.name}-${engine}` : command.name, `-${engine}`);
        this.nativeCommands.set(`${command.name}\u0000${engine}`, name);
        const children: XmlChild[] = bareNative?.ok ? bareNative.parameters.map(([k, v]) => ({ name: 'parameter', attributes: [['name', k]], text: v })) : [];
        this.sections.commands.push({ comment: `${this.source(object)}: ${program} as the ${engine} engine` }, { name: 'command', attributes: [['name', name], ['engine', engine]], children });
        this.count('commands');
        as.push(`command '${name}' (${engine} engine)`);
      }
      this.converted(object, as.join(' and '));
      if (!used) this.converted(object, 'no check uses it');
    }
  }

  /** The `<check-command>` for a Nagios `check_command` value, or why the check is skipped. */
  private checkCommand(value: string): CheckCommandChoice {
    const cached = this.checkCommands.get(value);
    if (cached) return cached;
    const { name, args } = splitCheckCommand(value);
    let choice: CheckCommandChoice;
    const skipped = this.skippedCommands.get(name);
    const native = this.nativeUses.get(value);
    if (skipped !== undefined) choice = { skip: `its command '${name}' is skipped: ${skipped}` };
    else if (native?.ok && this.nativeCommands.has(`${name}\u0000${native.engine}`)) {
      choice = {
        node: {
          name: 'check-command',
          attributes: [['command', this.nativeCommands.get(`${name}\u0000${native.engine}`)!]],
          children: native.parameters.map(([k, v]) => ({ name: 'parameter', attributes: [['name', k]], text: v })),
        },
      };
    } else {
      const command = this.nagiosCommands.get(name);
      if (command === undefined) choice = { skip: `its command '${name}' is not converted` };
      else {
        const children: XmlNode[] = [];
        args.forEach((arg, index) => {
          const unsupported = new Set<string>();
          const text = toVigilText(arg, this.text, unsupported);
          for (const macro of unsupported) this.unsupportedMacros.add(`${macro} (check_command ${value})`);
          if (text.trim() !== '') children.push({ name: 'parameter', attributes: [['name', `arg${index + 1}`]], text });
        });
        choice = { node: { name: 'check-command', attributes: [['command', command]], children } };
      }
    }
    this.checkCommands.set(value, choice);
    return choice;
  }

  // ---- time periods --------------------------------------------------------------------------

  private timeperiods(): void {
    const zone = this.options.timeZone;
    for (const period of this.model.timeperiods.values()) {
      const name = this.names.claim('time-period', period.name, '-2');
      const attributes: [string, string][] = [['name', name]];
      if (zone) attributes.push(['time-zone', zone]);
      if (period.excludes.length > 0) attributes.push(['excludes', period.excludes.join(', ')]);
      const children: XmlChild[] = [];
      const alias = valueOf(period.resolved, 'alias');
      if (alias && alias !== period.name) children.push({ name: 'summary', text: alias });
      for (const range of period.ranges) children.push({ name: 'time-range', text: range });
      this.sections.site.push({ comment: this.source(period.resolved.object) }, { name: 'time-period', attributes, children });
      this.count('time-periods');
      this.converted(period.resolved.object, `time-period '${name}'`);
    }
    if (this.model.timeperiods.size > 0 && !zone) this.notes.push('time periods are written without a time zone (UTC); Nagios used its server\'s local time: pass --time-zone Europe/London (or your zone)');
  }

  // ---- contacts ------------------------------------------------------------------------------

  private contacts(): void {
    const parents = new Map<string, string[]>();
    for (const group of this.model.contactgroups.values()) {
      for (const sub of group.subgroups) parents.set(sub, [...(parents.get(sub) ?? []), group.name]);
    }
    for (const group of this.model.contactgroups.values()) this.teams.set(group.name, this.names.claim('team', group.name, '-2'));
    for (const group of this.model.contactgroups.values()) {
      const name = this.teams.get(group.name)!;
      const attributes: [string, string][] = [['name', name]];
      const teamParents = (parents.get(group.name) ?? []).map((p) => this.teams.get(p)!).filter(Boolean);
      if (teamParents.length > 0) attributes.push(['teams', teamParents.join(', ')]);
      const alias = valueOf(group.resolved, 'alias');
      this.sections.contacts.push({ comment: this.source(group.resolved.object) }, { name: 'team', attributes, children: alias && alias !== group.name ? [{ name: 'summary', text: alias }] : [] });
      this.count('teams');
      this.converted(group.resolved.object, `team '${name}'`);
    }
    for (const name of this.model.templates.get('contact')?.keys() ?? []) this.contactTemplate(name);
    for (const contact of this.model.contacts.values()) {
      const resolved = contact.resolved;
      const desired = this.contactSettings(resolved, true);
      const teams = [...contact.groups].map((g) => this.teams.get(g)!).filter(Boolean);
      if (teams.length > 0) desired.set('a:teams', teams.join(', '));
      const templates = [...resolved.object.use].reverse().map((u) => this.contactTemplates.get(u.value)).filter((n): n is string => n !== undefined);
      const { parents, own } = fit(this.chains, 'contact', desired, templates, true);
      const name = contact.name;
      const object: VigilObject = { kind: 'contact', name, template: false, extends: parents, settings: own, nested: [], comment: this.source(resolved.object) };
      this.sections.contacts.push(...renderObject(object));
      this.count('contacts');
      this.converted(resolved.object, `contact '${name}'`);
      const host = valueOf(resolved, 'host_notification_period');
      const service = valueOf(resolved, 'service_notification_period');
      if (host && service && host !== service) this.notes.push(`contact '${contact.name}': host notifications in '${host}', service notifications in '${service}'; Vigil keeps one period per contact: '${service}'`);
    }
  }

  private contactTemplate(nagiosName: string): string | undefined {
    const existing = this.contactTemplates.get(nagiosName);
    if (existing !== undefined) return existing;
    const resolved = this.model.templates.get('contact')?.get(nagiosName);
    if (!resolved) return undefined;
    const name = this.names.claim('contact', nagiosName, '-template');
    this.contactTemplates.set(nagiosName, name);
    const templates = [...resolved.object.use].reverse().map((u) => this.contactTemplate(u.value)).filter((n): n is string => n !== undefined);
    const { parents, own } = fit(this.chains, 'contact', this.contactSettings(resolved, false), templates, false);
    const object: VigilObject = { kind: 'contact', name, template: true, extends: parents, settings: own, nested: [], comment: this.source(resolved.object) };
    this.chains.add(object);
    this.sections.contacts.push(...renderObject(object));
    this.count('templates');
    this.converted(resolved.object, `contact template '${name}'`);
    return name;
  }

  private contactSettings(resolved: Resolved, concrete: boolean): Settings {
    const settings: Settings = new Map();
    const value = (d: string) => valueOf(resolved, d);
    const alias = value('alias');
    if (concrete && alias) settings.set('t:summary', alias);
    if (value('email')) settings.set('t:email', value('email')!);
    if (value('pager')) settings.set('t:pager', value('pager')!);
    const attributes: [string, string][] = [];
    const hostEnabled = value('host_notifications_enabled');
    const serviceEnabled = value('service_notifications_enabled');
    if (hostEnabled === '0' && serviceEnabled === '0') attributes.push(['enabled', 'no']);
    const period = value('service_notification_period') ?? value('host_notification_period');
    if (period) attributes.push(['time-period', period]);
    const letters = value('service_notification_options');
    if (letters !== undefined) attributes.push(...notificationOptions(letters, 'service'));
    if (attributes.length > 0) settings.set('x:notifications', JSON.stringify({ name: 'notifications', attributes }));
    for (const [name, custom] of resolved.custom) settings.set(`p:_${name}`, escapeExpressions(custom.value ?? ''));
    return settings;
  }

  // ---- groups --------------------------------------------------------------------------------

  private groups(): void {
    const { model } = this;
    const attached = new Map<string, number>();
    for (const service of model.services) for (const group of service.hostgroups) attached.set(group, (attached.get(group) ?? 0) + 1);
    const usedElsewhere = new Set<string>();
    for (const group of model.hostgroups.values()) {
      for (const sub of group.subgroups) usedElsewhere.add(sub);
      if (group.subgroups.length > 0) usedElsewhere.add(group.name);
      if (['notes', 'notes_url', 'action_url'].some((d) => valueOf(group.resolved, d) !== undefined)) usedElsewhere.add(group.name);
    }
    for (const resolved of model.resolved.values()) {
      if (!/dependency|escalation|extinfo/.test(resolved.object.type)) continue;
      for (const directive of ['hostgroup_name', 'dependent_hostgroup_name']) for (const name of listOf(resolved, directive)) usedElsewhere.add(name.replace(/^!/, ''));
    }
    const parents = new Map<string, string[]>();
    for (const group of model.hostgroups.values()) for (const sub of group.subgroups) parents.set(sub, [...(parents.get(sub) ?? []), group.name]);
    for (const group of model.hostgroups.values()) {
      const onlyAttaches = (attached.get(group.name) ?? 0) > 0 && !usedElsewhere.has(group.name);
      if (onlyAttaches && !this.options.keepGroups) continue;
      this.displayHostgroups.set(group.name, this.names.claim('group', group.name, '-hosts'));
    }
    for (const group of model.servicegroups.values()) this.servicegroupNames.set(group.name, this.names.claim('group', group.name, '-services'));
    for (const group of model.hostgroups.values()) {
      const name = this.displayHostgroups.get(group.name);
      if (name === undefined) continue;
      this.group(group.resolved, name, (parents.get(group.name) ?? []).map((p) => this.displayHostgroups.get(p)).filter((p): p is string => p !== undefined));
    }
    const serviceParents = new Map<string, string[]>();
    for (const group of model.servicegroups.values()) for (const sub of group.subgroups) serviceParents.set(sub, [...(serviceParents.get(sub) ?? []), group.name]);
    for (const group of model.servicegroups.values()) {
      this.group(group.resolved, this.servicegroupNames.get(group.name)!, (serviceParents.get(group.name) ?? []).map((p) => this.servicegroupNames.get(p)!));
      for (const pair of group.members) this.pairGroups.set(pair, [...(this.pairGroups.get(pair) ?? []), this.servicegroupNames.get(group.name)!]);
    }
    // A servicegroup's nested groups are its children's parents; the pair is in the innermost only.
  }

  private group(resolved: Resolved, name: string, parents: string[]): void {
    const attributes: [string, string][] = [['name', name]];
    if (parents.length > 0) attributes.push(['groups', parents.join(', ')]);
    const alias = valueOf(resolved, 'alias');
    const children: XmlChild[] = [];
    if (alias && alias !== name) children.push({ name: 'summary', text: alias });
    const notes = valueOf(resolved, 'notes');
    if (notes) children.push({ name: 'description', text: notes });
    this.sections.groups.push({ comment: this.source(resolved.object) }, { name: 'group', attributes, children });
    this.count('groups');
    this.converted(resolved.object, `group '${name}'`);
  }

  // ---- checks --------------------------------------------------------------------------------

  /**
   * The settings a host or service has in Nagios, in Vigil terms. Templates carry only what they
   * (or their templates) set; concrete checks get Nagios's defaults for the rest.
   */
  private checkSettings(kind: 'host' | 'service', value: (d: string) => string | undefined, custom: Map<string, Value>, concrete: boolean, what: string): { settings: Settings; skip?: string } {
    const settings: Settings = new Map();
    const L = this.model.intervalLengthS;
    const number = (d: string) => {
      const text = value(d);
      const n = text === undefined ? NaN : Number(text);
      return Number.isFinite(n) ? n : undefined;
    };
    let checkInterval = number('check_interval');
    let retryInterval = number('retry_interval');
    if (concrete) {
      checkInterval ??= 5;
      retryInterval ??= 1;
    }
    if (checkInterval !== undefined && checkInterval > 0) {
      settings.set('s:every', duration(checkInterval * L));
      settings.set('s:retry-every', duration(checkInterval * L));
    }
    if (retryInterval !== undefined && retryInterval > 0) settings.set('s:changing-every', duration(retryInterval * L));
    else if (concrete && checkInterval !== undefined && checkInterval > 0) settings.set('s:changing-every', duration(checkInterval * L));
    const active = value('active_checks_enabled');
    if (active !== undefined || checkInterval !== undefined) {
      const enabled = active !== '0' && (checkInterval === undefined || checkInterval > 0);
      if (concrete || !enabled || active !== undefined) settings.set('a:enabled', enabled ? 'yes' : 'no');
    }
    const period = value('check_period');
    if (period !== undefined) settings.set('s:time-period', period);
    const attempts = number('max_check_attempts');
    if (attempts !== undefined) settings.set('st:failed-after', String(Math.max(1, Math.round(attempts))));
    const command = value('check_command');
    let skip: string | undefined;
    if (command !== undefined) {
      const choice = this.checkCommand(command);
      if (choice.node) settings.set('x:check-command', JSON.stringify(choice.node));
      else skip = choice.skip;
    }
    const teams = splitList(value('contact_groups')).map((g) => this.teams.get(g) ?? g);
    const contacts = splitList(value('contacts'));
    if (teams.length > 0 || contacts.length > 0) {
      const attributes: [string, string][] = [];
      if (teams.length > 0) attributes.push(['teams', teams.join(', ')]);
      if (contacts.length > 0) attributes.push(['contacts', contacts.join(', ')]);
      settings.set('x:notify', JSON.stringify({ name: 'notify', attributes }));
    }
    const notifications: [string, string][] = [];
    const enabled = value('notifications_enabled');
    const letters = value('notification_options');
    if ((enabled !== undefined && enabled === '0') || (letters !== undefined && letters.split(',').map((l) => l.trim()).includes('n'))) notifications.push(['enabled', 'no']);
    const notificationPeriod = value('notification_period');
    if (notificationPeriod !== undefined) notifications.push(['time-period', notificationPeriod]);
    if (letters !== undefined) notifications.push(...notificationOptions(letters, kind));
    if (notifications.length > 0) settings.set('x:notifications', JSON.stringify({ name: 'notifications', attributes: notifications }));
    for (const [name, variable] of custom) settings.set(`p:_${name}`, escapeExpressions(variable.value ?? ''));
    if (concrete) {
      const notes = value('notes');
      if (notes !== undefined) settings.set('t:description', notes);
    }
    if (skip !== undefined && !concrete) this.notes.push(`${what} has no check command in Vigil: ${skip}`);
    return skip === undefined ? { settings } : { settings, skip };
  }

  private serviceTemplate(nagiosName: string): string | undefined {
    const existing = this.serviceTemplates.get(nagiosName);
    if (existing !== undefined) return existing;
    const resolved = this.model.templates.get('service')?.get(nagiosName);
    if (!resolved) return undefined;
    const name = this.names.claim('service', nagiosName, '-template');
    this.serviceTemplates.set(nagiosName, name);
    const parents = [...resolved.object.use].reverse().map((u) => this.serviceTemplate(u.value)).filter((n): n is string => n !== undefined);
    const { settings } = this.checkSettings('service', (d) => valueOf(resolved, d), resolved.custom, false, `service template '${nagiosName}'`);
    this.template('service', name, parents, settings, resolved.object);
    return name;
  }

  private hostTemplate(nagiosName: string): string | undefined {
    const existing = this.hostTemplates.get(nagiosName);
    if (existing !== undefined) return existing;
    const resolved = this.model.templates.get('host')?.get(nagiosName);
    if (!resolved) return undefined;
    const name = this.names.claim('host', nagiosName, '-template');
    this.hostTemplates.set(nagiosName, name);
    const parents = [...resolved.object.use].reverse().map((u) => this.hostTemplate(u.value)).filter((n): n is string => n !== undefined);
    const { settings } = this.checkSettings('host', (d) => valueOf(resolved, d), resolved.custom, false, `host template '${nagiosName}'`);
    this.template('host', name, parents, settings, resolved.object);
    return name;
  }

  private template(kind: 'host' | 'service', name: string, templates: string[], desired: Settings, source: NagiosObject): void {
    const { parents, own } = fit(this.chains, kind, desired, templates, false);
    const object: VigilObject = { kind, name, template: true, extends: parents, settings: own, nested: [], comment: this.source(source) };
    this.chains.add(object);
    this.sections.templates.push(...renderObject(object));
    this.count('templates');
    this.converted(source, `${kind} template '${name}'`);
  }

  /**
   * What a service is on one host in Nagios, in Vigil terms. It depends on the host only through
   * what the service takes from it (implied inheritance) and its servicegroups there, so hosts
   * that agree on those share one settings object: 100 hosts of a hostgroup cost one.
   */
  private serviceSettings(service: ServiceInfo, hostName: string): Settings {
    const host = this.model.hosts.get(hostName)!;
    const groups = this.pairGroups.get(`${hostName}${PAIR_SEPARATOR}${service.description}`);
    const key = [...IMPLIED.map((d) => serviceValue(service.resolved, host.resolved, d) ?? ''), groups?.join(',') ?? ''].join('\u0000');
    let byKey = this.desired.get(service);
    if (!byKey) this.desired.set(service, (byKey = new Map()));
    const cached = byKey.get(key);
    if (cached) return cached;
    const { settings } = this.checkSettings('service', (d) => serviceValue(service.resolved, host.resolved, d), service.resolved.custom, true, `service '${service.description}'`);
    const displayName = valueOf(service.resolved, 'display_name');
    if (displayName !== undefined && displayName !== service.description) settings.set('t:summary', displayName);
    if (groups && groups.length > 0) settings.set('a:groups', groups.join(', '));
    byKey.set(key, settings);
    return settings;
  }

  private serviceObject(service: ServiceInfo, desired: Settings): VigilObject {
    const templates = [...service.resolved.object.use].reverse().map((u) => this.serviceTemplates.get(u.value)).filter((n): n is string => n !== undefined);
    const { parents, own } = fit(this.chains, 'service', desired, templates, true);
    return { kind: 'service', name: service.description, template: false, extends: parents, settings: own, nested: [], comment: this.source(service.resolved.object) };
  }

  private hostsAndServices(): void {
    const { model } = this;
    // Services whose command cannot be converted are skipped everywhere.
    for (const service of model.services) {
      const command = valueOf(service.resolved, 'check_command');
      const choice = command === undefined ? undefined : this.checkCommand(command);
      if (choice?.skip) this.skippedServices.set(service, choice.skip);
    }
    // Hostgroups (and `*`) that services are attached to become host templates.
    const plans: { members: Set<string>; plan: TemplatePlan }[] = [];
    const planFor = new Map<string, TemplatePlan[]>();
    const attachers = new Map<string, ServiceInfo[]>();
    for (const service of model.services) for (const group of service.hostgroups) attachers.set(group, [...(attachers.get(group) ?? []), service]);
    const allHosts = model.services.filter((s) => s.allHosts);
    const candidates: { key: string; members: Set<string>; services: ServiceInfo[]; source?: NagiosObject; label: string }[] = [];
    for (const group of model.hostgroups.values()) {
      const services = attachers.get(group.name);
      if (services) candidates.push({ key: group.name, members: group.members, services, source: group.resolved.object, label: group.name });
    }
    if (allHosts.length > 0) candidates.push({ key: '*', members: new Set(model.hosts.keys()), services: allHosts, label: 'all-hosts' });
    for (const candidate of candidates) {
      const name = this.names.claim('host', candidate.label, '-hostgroup');
      const object: VigilObject = { kind: 'host', name, template: true, extends: [], settings: new Map(), nested: [], comment: candidate.key === '*' ? 'services Nagios attaches to every host (host_name *)' : `hostgroup ${candidate.key} (${this.source(candidate.source!)}): the services attached to it` };
      const plan: TemplatePlan = { name, object, services: new Map() };
      const byDescription = new Map<string, Map<ServiceInfo, string[]>>();
      for (const service of candidate.services) {
        if (this.skippedServices.has(service)) continue;
        for (const host of candidate.members) {
          if (model.serviceOf.get(host)?.get(service.description) !== service) continue;
          let byService = byDescription.get(service.description);
          if (!byService) byDescription.set(service.description, (byService = new Map()));
          const hosts = byService.get(service);
          if (hosts) hosts.push(host);
          else byService.set(service, [host]);
        }
      }
      for (const [description, byService] of byDescription) {
        const [service, hosts] = [...byService].sort((a, b) => b[1].length - a[1].length)[0]!;
        const variants = new Map<string, { settings: Settings; count: number }>();
        for (const host of hosts) {
          const settings = this.serviceSettings(service, host);
          const key = settingsKey(settings);
          const variant = variants.get(key);
          if (variant) variant.count++;
          else variants.set(key, { settings, count: 1 });
        }
        const common = [...variants.values()].sort((a, b) => b.count - a.count)[0]!;
        const nested = this.serviceObject(service, common.settings);
        object.nested.push(nested);
        plan.services.set(description, { service, object: nested, settings: common.settings });
      }
      if (plan.services.size === 0) continue;
      plans.push({ members: candidate.members, plan });
      for (const host of candidate.members) {
        const list = planFor.get(host);
        if (list) list.push(plan);
        else planFor.set(host, [plan]);
      }
      this.sections.templates.push(...renderObject(object));
      this.count('templates');
      if (candidate.source) this.converted(candidate.source, `host template '${name}' (${plan.services.size} service${plan.services.size === 1 ? '' : 's'}, extended by its ${candidate.members.size} host${candidate.members.size === 1 ? '' : 's'})`);
    }

    for (const host of model.hosts.values()) {
      const resolved = host.resolved;
      const { settings: desired } = this.checkSettings('host', (d) => valueOf(resolved, d), resolved.custom, true, `host '${host.name}'`);
      desired.set('a:address', valueOf(resolved, 'address') ?? host.name);
      // Nagios's parents are Vigil's: while one is down, this host's problems are not alerted.
      const parents = (valueOf(resolved, 'parents') ?? '').split(',').map((p) => p.trim()).filter(Boolean);
      if (parents.length > 0) desired.set('a:parents', parents.join(', '));
      const alias = valueOf(resolved, 'alias');
      if (alias !== undefined && alias !== host.name) desired.set('t:summary', alias);
      const groups = [...host.groups].map((g) => this.displayHostgroups.get(g)).filter((g): g is string => g !== undefined);
      if (groups.length > 0) desired.set('a:groups', groups.join(', '));
      const { parents: templates, own } = fit(this.chains, 'host', desired, [...resolved.object.use].reverse().map((u) => this.hostTemplates.get(u.value)).filter((n): n is string => n !== undefined), true);
      const hostPlans = planFor.get(host.name) ?? [];
      const object: VigilObject = { kind: 'host', name: host.name, template: false, extends: [...templates, ...hostPlans.map((p) => p.name)], settings: own, nested: [], comment: this.source(resolved.object) };
      // What the host's templates give it, the last one winning, as in Vigil.
      const inherited = new Map<string, { service: ServiceInfo; object: VigilObject; settings: Settings }>();
      for (const plan of hostPlans) for (const [description, entry] of plan.services) inherited.set(description, entry);
      const winners = model.serviceOf.get(host.name) ?? new Map<string, ServiceInfo>();
      for (const [description, service] of winners) {
        if (this.skippedServices.has(service)) continue;
        this.servicePlaced.set(service, (this.servicePlaced.get(service) ?? 0) + 1);
        const desiredService = this.serviceSettings(service, host.name);
        const got = inherited.get(description);
        if (got && got.service === service && (got.settings === desiredService || sameSettings(desiredService, this.chains.effective(got.object)))) continue;
        object.nested.push(this.serviceObject(service, desiredService));
      }
      for (const [description, entry] of inherited) {
        const winner = winners.get(description);
        if (winner && !this.skippedServices.has(winner)) continue;
        object.nested.push({
          kind: 'service',
          name: description,
          template: true,
          extends: [],
          settings: new Map(),
          nested: [],
          comment: winner ? `not run here: ${this.skippedServices.get(winner)}` : `not on this host in Nagios (${this.source(entry.service.resolved.object)} excludes it); a template is not run`,
        });
      }
      this.sections.hosts.push(...renderObject(object));
      this.count('hosts');
      this.converted(resolved.object, `host '${host.name}'`);
    }
    for (const service of model.services) {
      const skip = this.skippedServices.get(service);
      const placed = this.servicePlaced.get(service) ?? 0;
      if (skip !== undefined) this.skipped(service.resolved.object, skip);
      else if (placed > 0) {
        this.converted(service.resolved.object, `service '${service.description}' on ${placed} host${placed === 1 ? '' : 's'}`);
        this.written.services = (this.written.services ?? 0) + placed;
      } else if (service.hosts.length === 0) this.skipped(service.resolved.object, 'it applies to no host (its hostgroups are empty)');
      else this.skipped(service.resolved.object, `every host it applies to has another definition of '${service.description}' that Nagios prefers`);
    }
  }

  // ---- the rest --------------------------------------------------------------------------------

  private remainingOutcomes(): void {
    const { model } = this;
    for (const object of model.objects) {
      if (this.outcomes.has(object)) continue;
      const resolved = model.resolved.get(object)!;
      const template = !object.register;
      switch (object.type) {
        case 'hostdependency':
        case 'servicedependency':
          this.skipped(object, template ? 'a dependency template' : `Vigil has no dependencies between checks (${dependencyText(resolved)})`);
          break;
        case 'hostescalation':
        case 'serviceescalation':
          this.skipped(object, template ? 'an escalation template' : this.escalationReason(resolved));
          break;
        case 'hostextinfo':
        case 'serviceextinfo':
          this.skipped(object, 'display hints (icons, notes URLs, coordinates): Vigil has nothing to show them with');
          break;
        case 'timeperiod':
          this.skipped(object, `a timeperiod template: its ranges are written into the periods that use it${usersOf(model, object)}`);
          break;
        case 'hostgroup':
          this.skipped(object, template ? `a hostgroup template: its values are written into the groups that use it${usersOf(model, object)}` : 'it only attaches services, and none of them is converted');
          break;
        default:
          this.skipped(object, `a ${object.type} template: its values are written into the objects that use it${usersOf(model, object)}`);
      }
    }
  }

  private escalationReason(resolved: Resolved): string {
    const first = Number(valueOf(resolved, 'first_notification') ?? '1');
    const last = Number(valueOf(resolved, 'last_notification') ?? '0');
    const interval = Number(valueOf(resolved, 'notification_interval') ?? NaN);
    const teams = listOf(resolved, 'contact_groups').map((g) => this.teams.get(g) ?? g);
    const contacts = listOf(resolved, 'contacts');
    const notify = [teams.length ? `teams="${teams.join(', ')}"` : '', contacts.length ? `contacts="${contacts.join(', ')}"` : ''].filter(Boolean).join(' ');
    const after = Number.isFinite(interval) && first > 1 ? duration((first - 1) * interval * this.model.intervalLengthS) : undefined;
    const targets = [...listOf(resolved, 'host_name'), ...listOf(resolved, 'hostgroup_name').map((g) => `hostgroup ${g}`)].join(', ');
    const service = valueOf(resolved, 'service_description');
    return `not converted: Nagios escalates by notification number (${first} to ${last === 0 ? 'the last' : last}${service ? ` of '${service}'` : ''} on ${targets || 'its hosts'}), Vigil by time: add <escalate after="${after ?? 'DURATION'}"><notify ${notify}/></escalate> to the <notifications> of those checks`;
  }

  private finalNotes(): void {
    if (this.unsupportedMacros.size > 0) {
      this.notes.push(`run-time macros with no Vigil equivalent became empty text: ${[...this.unsupportedMacros].slice(0, 10).join(', ')}${this.unsupportedMacros.size > 10 ? `, and ${this.unsupportedMacros.size - 10} more` : ''}`);
    }
    const dropped = new Map<string, number>();
    for (const object of this.model.objects) {
      const kept = CONVERTED[object.type];
      if (!kept) continue;
      for (const name of object.own.keys()) if (!kept.has(name)) dropped.set(`${object.type}.${name}`, (dropped.get(`${object.type}.${name}`) ?? 0) + 1);
    }
    if (dropped.size > 0) {
      this.notes.push(`directives with no Vigil equivalent, not converted (definitions using them): ${[...dropped].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, n]) => `${name} (${n})`).join(', ')}`);
    }
    if (this.skippedServices.size > 0) this.notes.push(`${this.skippedServices.size} service definition(s) skipped because their command cannot run in Vigil: see 'skipped' above`);
  }
}

// ---- helpers -------------------------------------------------------------------------------------

/** Why a command line cannot run without a shell, or undefined when it can. */
function runnableReason(line: string): string | undefined {
  try {
    splitCommandLine(line.replace(/\$[^$\s]*\$/g, 'x'));
    return undefined;
  } catch (error) {
    if (error instanceof CommandLineError) return error.message;
    throw error;
  }
}

/** Seconds as a Vigil duration: `5m` when whole minutes, else `90s`. */
export function duration(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  return s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}

function splitList(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(',').map((v) => v.trim()).filter((v) => v !== '');
}

/**
 * Nagios notification options as Vigil's `ignore` and `recovery`: a service's w, u, c (warning,
 * unknown, critical), a host's d, u (down is critical, unreachable unknown), r for recoveries.
 */
function notificationOptions(letters: string, kind: 'host' | 'service'): [string, string][] {
  const set = new Set(letters.split(',').map((l) => l.trim().toLowerCase()));
  if (set.has('a')) return [['recovery', 'yes']];
  const statuses: [string, string][] = kind === 'host' ? [['d', 'critical'], ['u', 'unknown']] : [['w', 'warning'], ['u', 'unknown'], ['c', 'critical']];
  const ignore = statuses.filter(([letter]) => !set.has(letter)).map(([, status]) => status);
  const result: [string, string][] = [];
  if (ignore.length > 0) result.push(['ignore', ignore.join(', ')]);
  result.push(['recovery', set.has('r') ? 'yes' : 'no']);
  return result;
}

function dependencyText(resolved: Resolved): string {
  const list = (d: string) => listOf(resolved, d).join(', ');
  const master = [list('host_name'), list('hostgroup_name') && `hostgroup ${list('hostgroup_name')}`].filter(Boolean).join(' ');
  const dependent = [list('dependent_host_name'), list('dependent_hostgroup_name') && `hostgroup ${list('dependent_hostgroup_name')}`].filter(Boolean).join(' ') || master;
  const service = valueOf(resolved, 'service_description');
  const dependentService = valueOf(resolved, 'dependent_service_description');
  return service ? `'${dependentService}' on ${dependent} depends on '${service}' on ${master}` : `${dependent} depends on ${master}`;
}

function usersOf(model: NagiosModel, template: NagiosObject): string {
  if (template.templateName === undefined) return '';
  const users = model.objects.filter((o) => o.type === template.type && o.use.some((u) => u.value === template.templateName));
  if (users.length === 0) return ' (nothing uses it)';
  const names = users.slice(0, 3).map((o) => describe(model.resolved.get(o)!).replace(/^\w+ /, ''));
  return ` (${names.join(', ')}${users.length > 3 ? `, and ${users.length - 3} more` : ''})`;
}
