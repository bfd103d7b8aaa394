/**
 * Turns a site's changes into the messages pushed to browsers, each one WebSocket frame under
 * API Gateway's 32 KB (limits.ts): a long list of checks or groups is split over several
 * messages of the same type, each complete in itself, so a browser applies them one by one.
 */
import { sizedChunks } from '#adapters/chunks.ts';
import { statusOfRank } from '#core/status.ts';
import type { CheckChange } from '#ports/push.ts';
import type { GroupRollup } from '#store/group-rollup.ts';
import { FRAME_BUDGET_BYTES } from './limits.ts';
import type { GroupChange } from './protocol.ts';

/** A frame's text, ready to post. */
export type Frame = string;

/**
 * The `checks` messages, then the `groups` messages, for these changes: none for an empty list.
 *
 * @example
 * changeFrames(siteId, changes.checks, changes.groups)
 * // ['{"type":"checks","siteId":"...","checks":[...]}', '{"type":"groups","siteId":"...","groups":[...]}']
 */
export function changeFrames(siteId: string, checks: readonly CheckChange[], groups: readonly GroupRollup[], budgetBytes = FRAME_BUDGET_BYTES): Frame[] {
  return [
    ...listFrames(siteId, 'checks', checks.map((check) => itemJson(check, 'output', budgetBytes)), budgetBytes),
    ...listFrames(siteId, 'groups', groups.map((group) => itemJson(groupChange(group), 'name', budgetBytes)), budgetBytes),
  ];
}

function groupChange(group: GroupRollup): GroupChange {
  return { ...group, worstStatus: statusOfRank(group.worstStatus) };
}

/** `{"type":...,"siteId":...,"<type>":[` + items + `]}` in as few frames as the budget allows. */
function listFrames(siteId: string, type: 'checks' | 'groups', items: readonly string[], budgetBytes: number): Frame[] {
  if (items.length === 0) return [];
  const head = `{"type":"${type}","siteId":${JSON.stringify(siteId)},"${type}":[`;
  const tail = ']}';
  const room = budgetBytes - Buffer.byteLength(head) - tail.length;
  // Each item costs its bytes and a comma (one too many per frame: a byte of margin).
  const runs = sizedChunks(items, Number.POSITIVE_INFINITY, room, (item) => Buffer.byteLength(item) + 1);
  return runs.map((run) => `${head}${run.join(',')}${tail}`);
}

const ELLIPSIS_BYTES = Buffer.byteLength('…');

/**
 * An item's JSON, its one free-text field shortened (with an ellipsis) when the item alone would
 * not fit in a frame: a check's output may be long, and JSON escaping can make it longer still.
 */
function itemJson<T extends object>(item: T, textField: keyof T & string, budgetBytes: number): string {
  // Room for the envelope around a single item: type, a site id and brackets take under 200 bytes.
  const maxBytes = budgetBytes - 200;
  let json = JSON.stringify(item);
  let bytes = Buffer.byteLength(json);
  let text = String(item[textField]);
  while (bytes > maxBytes && text.length > 0) {
    // Keep the share of the text that fits, by its escaped size: a control character takes six
    // bytes in JSON, an emoji four. Text that is not uniform may need a second cut.
    const textBytes = Buffer.byteLength(JSON.stringify(text));
    const roomBytes = Math.max(0, textBytes - (bytes - maxBytes) - ELLIPSIS_BYTES);
    text = text.slice(0, Math.floor((text.length * roomBytes) / textBytes));
    json = JSON.stringify({ ...item, [textField]: `${text}…` });
    bytes = Buffer.byteLength(json);
  }
  return json;
}
