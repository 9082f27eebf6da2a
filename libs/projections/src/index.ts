export {
  projectionOf,
  runStatements,
  truncateTables,
  groupByStream,
  type Projection,
  type ProjectionDefinition,
  type EventHandlers,
} from './lib/projection';
export {
  ProjectionRunner,
  StaleProjectionError,
  UnknownProjectionError,
  type ProjectionRunnerOptions,
  type ProjectionObserver,
  type AppliedBatch,
} from './lib/projection-runner';
export {
  DueItemTicker,
  scheduledItemsProjection,
  firingIdOf,
  type DurableScheduler,
  type DueItem,
  type ScheduledItem,
  type DueItemHandler,
  type DueItemTickerOptions,
  type DueItemTickerObserver,
  type DueRun,
} from './lib/durable-scheduler';
export { DEFAULT_READ_SCHEMA, InvalidReadSchemaError, lockSchemaSetup } from './lib/read-schema';
export {
  rebuildBeside,
  shadowSchemaOf,
  type ShadowRebuildOptions,
  type ShadowRebuildProgress,
  type ShadowRebuildResult,
} from './lib/shadow-rebuild';
export {
  streamStateProjection,
  type StreamStateProjection,
  type StreamStateProjectionOptions,
  type StreamStateRow,
} from './lib/stream-state-projection';
