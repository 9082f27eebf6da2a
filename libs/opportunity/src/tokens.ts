/** The loaded config/pipelines.json (a LoadedPipelines). */
export const PIPELINES = Symbol('leadledger.opportunity.pipelines');
/** opportunity's read models (a ManagedProjections). */
export const OPPORTUNITY_PROJECTIONS = Symbol('leadledger.opportunity.projections');
/** Opening on conversions of the lead lifecycle (a ManagedLifecycleConsumer). */
export const CONVERSION_OPENING = Symbol('leadledger.opportunity.conversion-opening');
