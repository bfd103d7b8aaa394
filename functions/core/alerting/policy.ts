/**
 * Notification policies, read from configuration as Bergamot writes them: a contact's
 * `<notifications>` (when, for which states, on which channels, and how to escalate), and a
 * check's `<notify teams contacts>` with its own `<notifications>` (which states and recoveries
 * are worth telling anyone about, how often to remind, and escalations):
 *
 * ```xml
 * <contact name="alice" teams="ops" email="alice@example.com" phone="+447700900123">
 *   <notifications time-period="24x7" ignore="warning" renotify-every="1h">
 *     <notification-engine engine="email"/>
 *     <notification-engine engine="sms" time-period="uk-outofhours" recovery="no" ignore="warning, unknown"/>
 *     <notification-engine engine="webhook">
 *       <parameter name="url">https://hooks.example.com/vigil</parameter><parameter name="secret">s3cret</parameter>
 *     </notification-engine>
 *     <escalate after="1h" ignore="warning"><notify teams="managers"/></escalate>
 *   </notifications>
 * </contact>
 * ```
 *
 * Pure: the configuration's JSON form (functions/core/config/resolve.ts `elementToJson`) in,
 * typed policies with Bergamot's defaults out. Engines Vigil has no channel for (`web`, the
 * dashboard itself) are left out.
 */
import { parseDurationMs } from '../duration.ts';
import { parseStatus, type Status } from '../status.ts';

/** The channels Vigil sends on (functions/ports/notification-channel.ts delivers on them). */
export type ChannelKind = 'email' | 'webhook' | 'slack' | 'sms';
export const CHANNEL_KINDS: readonly ChannelKind[] = ['email', 'webhook', 'slack', 'sms'];

/** What a policy (a check's, a contact's, one channel's) lets through, and when. */
export interface Admission {
  enabled: boolean;
  /** Open only within this time period (judged in its own zone); always when absent. */
  timePeriod?: string;
  alerts: boolean;
  recovery: boolean;
  /** Whether acknowledgements of problems it told of are told too. */
  acknowledge: boolean;
  /** Statuses it is not used for. */
  ignore: Status[];
}

export interface ChannelPolicy extends Admission {
  kind: ChannelKind;
  /** The channel's own settings: a webhook's `url` and `secret`, a Slack `url`. */
  parameters: Record<string, string>;
}

export interface EscalationPolicy {
  /** After this long unhandled (not acknowledged, still a problem). */
  afterMs: number;
  timePeriod?: string;
  /** Remind the people already told, too. */
  renotify: boolean;
  ignore: Status[];
  teams: string[];
  contacts: string[];
}

export interface NotificationPolicy extends Admission {
  /** Remind while the problem is open and unhandled; never when absent. */
  renotifyEveryMs?: number;
  /** Empty means every channel the contact can be reached on (see {@link contactChannels}). */
  channels: ChannelPolicy[];
  escalations: EscalationPolicy[];
}

/** What nothing written means: notify, for every state, recoveries too, at any time. */
export const DEFAULT_POLICY: NotificationPolicy = Object.freeze({
  enabled: true, alerts: true, recovery: true, acknowledge: true, ignore: [], channels: [], escalations: [],
}) as NotificationPolicy;

type Json = Record<string, unknown>;

/** The policy a `<notifications>` element (as JSON) describes; the default when there is none. */
export function notificationPolicy(json: unknown): NotificationPolicy {
  if (!isObject(json)) return DEFAULT_POLICY;
  const renotifyEveryMs = duration(json['renotify-every']);
  return {
    ...admissionOf(json),
    ...(renotifyEveryMs ? { renotifyEveryMs } : {}),
    channels: list(json['notification-engine']).flatMap(channelPolicy),
    escalations: list(json.escalate).flatMap(escalationPolicy),
  };
}

function channelPolicy(json: Json): ChannelPolicy[] {
  const kind = text(json.engine)?.toLowerCase();
  if (!kind || !(CHANNEL_KINDS as readonly string[]).includes(kind)) return [];
  return [{
    kind: kind as ChannelKind,
    ...admissionOf(json),
    parameters: Object.fromEntries(list(json.parameter).map((p) => [text(p.name) ?? '', text(p.text) ?? ''])),
  }];
}

/** The attributes `<notifications>` and `<notification-engine>` share; every one defaults to yes. */
function admissionOf(json: Json): Admission {
  const timePeriod = text(json['time-period']);
  return {
    enabled: yes(json.enabled, true),
    ...(timePeriod ? { timePeriod } : {}),
    // Bergamot writes both `alert` and `alerts` on engines.
    alerts: yes(json.alerts ?? json.alert, true),
    recovery: yes(json.recovery, true),
    acknowledge: yes(json.acknowledge, true),
    ignore: statuses(json.ignore),
  };
}

function escalationPolicy(json: Json): EscalationPolicy[] {
  const afterMs = duration(json.after);
  if (!afterMs) return [];
  const timePeriod = text(json['time-period']);
  const notify = list(json.notify);
  return [{
    afterMs,
    ...(timePeriod ? { timePeriod } : {}),
    renotify: yes(json.renotify, false),
    ignore: statuses(json.ignore),
    teams: notify.flatMap((n) => names(n.teams)),
    contacts: notify.flatMap((n) => names(n.contacts)),
  }];
}

/** A contact as alerting needs it. */
export interface ContactInfo {
  name: string;
  email?: string;
  phone?: string;
  teams: string[];
  policy: NotificationPolicy;
}

/**
 * The channels a contact is reached on: those its policy lists, or when it lists none, email
 * and SMS where it has an address and a number. A channel missing what it needs (an email
 * address, a URL) is left out: there is nowhere to send.
 */
export function contactChannels(contact: ContactInfo): ChannelPolicy[] {
  const listed = contact.policy.channels.length > 0
    ? contact.policy.channels
    : [
        ...(contact.email ? [defaultChannel('email')] : []),
        ...(contact.phone ? [defaultChannel('sms')] : []),
      ];
  return listed.filter((channel) => channel.enabled && reachable(contact, channel));
}

function defaultChannel(kind: ChannelKind): ChannelPolicy {
  return { kind, enabled: true, alerts: true, recovery: true, acknowledge: true, ignore: [], parameters: {} };
}

function reachable(contact: ContactInfo, channel: ChannelPolicy): boolean {
  switch (channel.kind) {
    case 'email':
      return Boolean(contact.email);
    case 'sms':
      return Boolean(contact.phone);
    case 'webhook':
    case 'slack':
      return Boolean(channel.parameters.url);
  }
}

/** Whether a policy (the check's, the contact's, or one channel's) lets a notification about `status` through. */
export function admits(policy: Admission, status: Status, recovery: boolean): boolean {
  if (!policy.enabled) return false;
  if (recovery) return policy.recovery;
  return policy.alerts && !policy.ignore.includes(status);
}

// ---- reading the JSON form ---------------------------------------------------------------------

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function yes(value: unknown, fallback: boolean): boolean {
  const written = text(value)?.toLowerCase();
  if (written === undefined) return fallback;
  return ['yes', 'true', 'on', '1'].includes(written);
}

function names(value: unknown): string[] {
  return (text(value) ?? '').split(',').map((name) => name.trim()).filter(Boolean);
}

/** `ignore="pending, ok, warning"`: unknown words are left out (validation reports them). */
function statuses(value: unknown): Status[] {
  return names(value).flatMap((name) => {
    const status = parseStatus(name);
    return status ? [status] : [];
  });
}

function duration(value: unknown): number | undefined {
  const written = text(value);
  return written ? parseDurationMs(written, 'm') : undefined;
}
