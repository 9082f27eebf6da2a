// The port lives in the event-sourcing core, beside the command handler written against it; this
// library holds its adapters and re-exports it, so an adapter's users import from one place.
export {
  type StreamRevision,
  type GlobalPosition,
  type ExpectedRevision,
  type EventMetadata,
  type EventToAppend,
  type RecordedEvent,
  type AppendOptions,
  type AppendResult,
  type StreamAppend,
  type ReadStreamOptions,
  type ReadAllOptions,
  type SubscribeToAllOptions,
  type EventStore,
  type CheckpointStore,
  WrongExpectedRevisionError,
  EventIdConflictError,
  InvalidAppendError,
} from '@leadledger/eventsourcing';
export * from './lib/create-event-store';
export { SqlEventStore, type SqlEventStoreOptions } from './lib/sql/sql-event-store';
export { SqlCheckpointStore } from './lib/sql/sql-checkpoint-store';
export { EventStoreDbCheckpointStore } from './lib/eventstoredb/eventstoredb-checkpoint-store';
export type { SqlDriver, SqlExecutor } from './lib/sql/sql-driver';
export { timestampOf } from './lib/sql/sql-driver';
export { PgDriver } from './lib/sql/pg-driver';
export { PgliteDriver } from './lib/sql/pglite-driver';
export { DirectoryLockedError, LOCK_FILE_NAME } from './lib/sql/directory-lock';
export {
  EventStoreDbEventStore,
  packPosition,
  unpackPosition,
} from './lib/eventstoredb/eventstoredb-event-store';
