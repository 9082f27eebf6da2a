export * from './domain/opportunity.decider';
export * from './domain/pipelines';
export { loadPipelines, DEFAULT_PIPELINES_PATH, type LoadedPipelines } from './load-pipelines';
