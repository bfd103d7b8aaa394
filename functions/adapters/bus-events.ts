/**
 * What both EventBus adapters check before they publish, so that an event EventBridge would
 * refuse is refused by the local bus too, with the same reason.
 */
import type { BusEvent } from '#ports/event-bus.ts';

/** EventBridge's limits on a PutEvents entry (and on all the entries of one call together). */
export const EVENT_LIMITS = Object.freeze({
  maxSourceChars: 256,
  maxDetailTypeChars: 128,
  /** Time (14 bytes) + Source + DetailType + Detail, in UTF-8; also the limit of one PutEvents call. */
  maxEntryBytes: 256 * 1024,
});

/** An event ready to publish: its detail as the JSON EventBridge carries, and its entry size. */
export interface PreparedEvent {
  detailJson: string;
  entryBytes: number;
}

/** The event as EventBridge would take it, or why it would refuse it. */
export function prepareBusEvent(event: BusEvent): PreparedEvent | { problem: string } {
  if (typeof event.source !== 'string' || event.source.length === 0 || event.source.length > EVENT_LIMITS.maxSourceChars) {
    return { problem: `source must be 1 to ${EVENT_LIMITS.maxSourceChars} characters` };
  }
  if (event.source.startsWith('aws.')) return { problem: `source '${event.source}' starts with 'aws.', which EventBridge keeps for AWS services` };
  if (typeof event.detailType !== 'string' || event.detailType.length === 0 || event.detailType.length > EVENT_LIMITS.maxDetailTypeChars) {
    return { problem: `detailType must be 1 to ${EVENT_LIMITS.maxDetailTypeChars} characters` };
  }
  if (typeof event.detail !== 'object' || event.detail === null || Array.isArray(event.detail)) {
    return { problem: 'detail must be a JSON object (EventBridge refuses other details)' };
  }
  let detailJson: string;
  try {
    detailJson = JSON.stringify(event.detail);
  } catch (error) {
    return { problem: `detail cannot be written as JSON: ${(error as Error).message}` };
  }
  const entryBytes = 14 + Buffer.byteLength(event.source, 'utf8') + Buffer.byteLength(event.detailType, 'utf8') + Buffer.byteLength(detailJson, 'utf8');
  if (entryBytes > EVENT_LIMITS.maxEntryBytes) {
    return { problem: `the event is ${entryBytes} bytes, over EventBridge's ${EVENT_LIMITS.maxEntryBytes} (256 KiB): publish a smaller detail, or store it elsewhere and publish a reference` };
  }
  return { detailJson, entryBytes };
}
