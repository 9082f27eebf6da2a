export { SalesAcceptanceModule } from './sales-acceptance.module';
export { SALES_ACCEPTANCE_SERVICE } from './sales-acceptance.service-definition';
export { SalesAcceptanceService, SALES_ACCEPTANCE_SOURCE } from './sales-acceptance.service';
export { handoffSlas, breachHandoffSla } from './schedules/handoff-slas';
export { salesLeadsProjection, queueOf } from './projections/sales-leads';
export {
  loadSalesConfig,
  DEFAULT_SALES_TEAM_PATH,
  DEFAULT_QUALIFICATION_PATH,
  type LoadedSalesConfig,
} from './load-sales-config';
export * from './domain/sales-lead.decider';
export * from './domain/business-calendar';
export * from './domain/sales-team';
export * from './domain/qualification-frameworks';
export * from './domain/rotation';
