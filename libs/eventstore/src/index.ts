export * from './lib/event-store.port';
export * from './lib/errors';
export * from './lib/create-event-store';
export { SqlEventStore, type SqlEventStoreOptions } from './lib/sql/sql-event-store';
export type { SqlDriver, SqlExecutor } from './lib/sql/sql-driver';
export { PgDriver } from './lib/sql/pg-driver';
export { PgliteDriver } from './lib/sql/pglite-driver';
export {
  EventStoreDbEventStore,
  packPosition,
  unpackPosition,
} from './lib/eventstoredb/eventstoredb-event-store';
