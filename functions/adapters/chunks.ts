/** Splits a list into runs of at most `size` (AWS batch calls take 10 entries at most). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

/**
 * Splits a list into runs of at most `maxCount` items and at most `maxBytes` together (AWS batch
 * calls limit both). An item larger than `maxBytes` on its own gets a run of its own.
 */
export function sizedChunks<T>(items: readonly T[], maxCount: number, maxBytes: number, bytesOf: (item: T) => number): T[][] {
  const result: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    const bytes = bytesOf(item);
    if (current.length === maxCount || (current.length > 0 && currentBytes + bytes > maxBytes)) {
      result.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += bytes;
  }
  if (current.length > 0) result.push(current);
  return result;
}
