/**
 * The one seam between the SQL event store and a PostgreSQL implementation: a `pg` pool against a
 * server, or PGlite in-process. Both speak the same SQL, so the store above is written once.
 */
export interface SqlExecutor {
  query<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface SqlDriver extends SqlExecutor {
  /** Runs `work` in one transaction on one connection; commits when it resolves, rolls back when it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
  /** Calls `onNotify` on every NOTIFY on `channel`; resolves to a function that stops listening. */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** A `timestamptz` as a driver returns it: `pg` gives a Date, PGlite may give the text. */
export function timestampOf(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}
