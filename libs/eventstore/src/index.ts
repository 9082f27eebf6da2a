export * from './lib/event-store.port';
export * from './lib/errors';
export * from './lib/checkpoint-store.port';
export * from './lib/create-event-store';
export { SqlEventStore, type SqlEventStoreOptions } from './lib/sql/sql-event-store';
export { SqlCheckpointStore } from './lib/sql/sql-checkpoint-store';
export { EventStoreDbCheckpointStore } from './lib/eventstoredb/eventstoredb-checkpoint-store';
export type { SqlDriver, SqlExecutor } from './lib/sql/sql-driver';
export { PgDriver } from './lib/sql/pg-driver';
export { PgliteDriver } from './lib/sql/pglite-driver';
export {
  EventStoreDbEventStore,
  packPosition,
  unpackPosition,
} from './lib/eventstoredb/eventstoredb-event-store';
