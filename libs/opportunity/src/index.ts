export { OpportunityModule } from './opportunity.module';
export { OPPORTUNITY_SERVICE } from './opportunity.service-definition';
export { OpportunityService, OPPORTUNITY_SOURCE } from './opportunity.service';
export { opportunitiesProjection, opportunitiesWhere, openAmounts } from './projections/opportunities';
export { loadPipelines, DEFAULT_PIPELINES_PATH, type LoadedPipelines } from './load-pipelines';
export * from './domain/opportunity.decider';
export * from './domain/pipelines';
