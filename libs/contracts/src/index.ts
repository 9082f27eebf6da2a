// JSON Schema generation (lib/json-schemas.ts) is left out on purpose: it needs a dev dependency, and services
// read the committed files under libs/contracts/schemas instead.
export * from './lib/envelope';
export * from './lib/event-catalog';
export * from './lib/topics';
export * from './lib/events/value-objects';
export * from './lib/events/lead-events';
export * from './lib/events/opportunity-events';
export * from './lib/clock';
