/** The loaded config/sales-team.json and config/qualification.json (a LoadedSalesConfig). */
export const SALES_CONFIG = Symbol('leadledger.sales-acceptance.config');
/** sales-acceptance's read models (a ManagedProjections): sales leads and the handoff SLA timers. */
export const SALES_ACCEPTANCE_PROJECTIONS = Symbol('leadledger.sales-acceptance.projections');
/** The ticker that fires due handoff SLAs (a ManagedTicker). */
export const HANDOFF_SLAS = Symbol('leadledger.sales-acceptance.handoff-slas');
/** Assignment of MQLs on the lead lifecycle (a ManagedLifecycleConsumer). */
export const MQL_ASSIGNMENT = Symbol('leadledger.sales-acceptance.mql-assignment');
