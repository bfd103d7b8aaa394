/**
 * Opening a connection pool to PostgreSQL. Every store module takes a {@link Database} as its
 * first argument: nothing here holds a pool in a module-level variable, so tests, benchmarks and
 * `npm start` can each own as many databases as they need and close them deterministically.
 */
import postgres from 'postgres';

/** A postgres.js pool (or a reserved connection of one). */
export type Database = postgres.Sql;

/** The `sql` that `Database.begin(async (tx) => ...)` hands to its callback. */
export type Transaction = postgres.TransactionSql;

/**
 * What a read or a single-statement write needs: a pool or a transaction. Store functions take
 * this, so a caller can run them inside its own transaction and see its own uncommitted rows.
 */
export type Queryable = Database | Transaction;

/** Settings for {@link connect}; every field has a default suited to one Node process. */
export interface ConnectOptions {
  /**
   * Connections the pool may open. A Lambda handles one batch at a time and wants 1 or 2; the
   * single local process runs every function at once and wants more.
   * @defaultValue 10
   */
  maxConnections?: number;
  /**
   * Seconds an idle connection stays open; 0 keeps it forever.
   * @defaultValue 30
   */
  idleTimeoutS?: number;
  /**
   * Seconds to wait for a connection before the query fails.
   * @defaultValue 10
   */
  connectTimeoutS?: number;
  /**
   * `application_name` shown in `pg_stat_activity`, so an operator can tell Vigil's sessions apart.
   * @defaultValue 'vigil'
   */
  applicationName?: string;
}

const DEFAULT_MAX_CONNECTIONS = 10;
const DEFAULT_IDLE_TIMEOUT_S = 30;
const DEFAULT_CONNECT_TIMEOUT_S = 10;

/**
 * `bigint` (int8) arrives as a JavaScript number instead of postgres.js's default string. Vigil's
 * int8 values are identity keys and counts, far below 2^53; a value beyond that would silently
 * lose precision as a number, so it is refused loudly instead (postgres.js then fails the query
 * and drops that connection).
 */
const int8AsNumber = {
  to: 20,
  from: [20],
  serialize: (value: number) => String(value),
  parse: (text: string): number => {
    const value = Number(text);
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`int8 value ${text} does not fit a JavaScript number exactly`);
    }
    return value;
  },
};

/**
 * Opens a lazy connection pool: no connection is made until the first query.
 *
 * NOTICE messages (for example "relation already exists, skipping" from idempotent DDL) are
 * dropped: postgres.js would otherwise print them with `console.log`, and library code prints
 * nothing. Interpolated `undefined` becomes SQL NULL rather than an error.
 *
 * @example
 * const sql = connect(process.env.DATABASE_URL!, { maxConnections: 2 });
 * const [{ now }] = await sql`select now()`;
 * await sql.end();
 */
export function connect(url: string, options: ConnectOptions = {}): Database {
  const sql = postgres(url, {
    max: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    idle_timeout: options.idleTimeoutS ?? DEFAULT_IDLE_TIMEOUT_S,
    connect_timeout: options.connectTimeoutS ?? DEFAULT_CONNECT_TIMEOUT_S,
    onnotice: () => {},
    types: { bigint: int8AsNumber },
    transform: { undefined: null },
    connection: { application_name: options.applicationName ?? 'vigil' },
  });
  // The custom type only changes how int8 is parsed; the typed helper it adds (`sql.typed.bigint`)
  // is not part of the Database contract, so the pool is exposed as a plain Sql.
  return sql as unknown as Database;
}
