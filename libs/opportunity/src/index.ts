export { OpportunityModule } from './opportunity.module';
export { OPPORTUNITY_SERVICE } from './opportunity.service-definition';
export { OpportunityService, OPPORTUNITY_SOURCE } from './opportunity.service';
export {
  importedOpportunityIdOf,
  planImport,
  OpportunityImportLine,
  type StageMap,
} from './domain/opportunity-import';
export {
  OpportunityImporter,
  MAX_IMPORT_LINES,
  type ImportReport,
  type ImportCounts,
} from './imports/opportunity-importer';
export { opportunitiesProjection, opportunitiesWhere, openAmounts } from './projections/opportunities';
export * from './domain/opportunity.decider';
