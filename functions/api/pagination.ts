/**
 * Cursor pagination shared by every list endpoint: `?limit=` (default 100, max 500) and
 * `?cursor=`, answered as `{ items, nextCursor }` with `nextCursor` null on the last page.
 *
 * Lists are keyset-paginated: a cursor carries the sort key of the last item returned, and the
 * next page is the rows after it (`where (name, id) > ($1, $2)`), so a page costs the same
 * however deep it is and rows inserted meanwhile neither shift nor repeat the others. The
 * cursor is opaque to clients (base64url of a JSON array) and checked against the key's shape
 * when it comes back, so a tampered cursor is a 400 naming the `cursor` field, never an SQL
 * error.
 *
 * @example
 * const query = paginationQuery.extend({ kind: z.string().optional() });
 * const after = decodeCursor(cursor, z.tuple([z.string(), z.string()]));   // undefined on page 1
 * const rows = await sql`... where ${after ? sql`(name, id) > (${after[0]}, ${after[1]})` : sql`true`}
 *                        order by name, id limit ${limit + 1}`;
 * return c.json(pageOf(rows, limit, (row) => [row.name, row.id]), 200);
 */
import { z } from '@hono/zod-openapi';
import { ApiError } from './errors.ts';

/** Items per page when the client does not say. */
export const DEFAULT_PAGE_LIMIT = 100;
/** The most items one page holds: bounds the work and the response (API Gateway answers at most 10 MB). */
export const MAX_PAGE_LIMIT = 500;

/** `?limit=&cursor=`; extend it with a list's own filters. */
export const paginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT)
    .openapi({ description: `Items per page (1 to ${MAX_PAGE_LIMIT})`, example: DEFAULT_PAGE_LIMIT }),
  cursor: z.string().min(1).max(2000).optional()
    .openapi({ description: 'The `nextCursor` of the previous page' }),
});

/** The answer of a list endpoint: `{ items, nextCursor }`. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().openapi({ description: 'Pass as `?cursor=` for the next page; null on the last page' }),
  });
}

/** A cursor for the item whose sort key is `key`. */
export function encodeCursor(key: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * The sort key a cursor carries, checked against `shape`; undefined without a cursor.
 * @throws {@link ApiError} 400 with a `cursor` field error when the cursor is not one this list made.
 */
export function decodeCursor<T extends z.ZodType>(cursor: string | undefined, shape: T): z.infer<T> | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const parsed = shape.safeParse(key);
  if (!parsed.success) {
    throw new ApiError(400, 'invalid_request', 'the request is not valid: see fields', [
      { path: 'query.cursor', message: 'not a cursor of this list: pass the nextCursor of the previous page unchanged' },
    ]);
  }
  return parsed.data;
}

/**
 * The page from rows fetched with `limit + 1`: the extra row only says that there is more, and
 * the cursor points after the last item kept.
 */
export function pageOf<Row, Item = Row>(
  rows: readonly Row[],
  limit: number,
  keyOf: (row: Row) => readonly unknown[],
  toItem: (row: Row) => Item = (row) => row as unknown as Item,
): { items: Item[]; nextCursor: string | null } {
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  return {
    items: kept.map(toItem),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}
