export * from './lib/envelope';
export * from './lib/event-catalog';
export * from './lib/topics';
export * from './lib/events/value-objects';
export * from './lib/events/lead-events';
export * from './lib/events/opportunity-events';
export * from './lib/clock';
export * from './lib/validation';
export { openApiSchemasOf, type JsonSchema } from './lib/json-schemas';
export {
  Optional,
  Text,
  TextOrNumber,
  Instant,
  CalendarDate,
  Nested,
  NestedList,
} from './lib/events/field-rules';
export * from './lib/money';
export * from './lib/config-issues';
export * from './lib/lead-identity';
export * from './lib/pipelines/pipelines';
export { loadPipelines, DEFAULT_PIPELINES_PATH, type LoadedPipelines } from './lib/pipelines/load-pipelines';
