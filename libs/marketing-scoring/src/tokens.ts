export const SCORING_MODEL = Symbol('leadledger.scoring-model');
/** marketing-scoring's read models (a ManagedProjections): scores, and the decay reviews' due items. */
export const MARKETING_SCORING_PROJECTIONS = Symbol('leadledger.marketing-scoring.projections');
/** The ticker that fires due decay reviews (a ManagedTicker). */
export const DECAY_REVIEWS = Symbol('leadledger.marketing-scoring.decay-reviews');
/** The ticker that rescores leads whose nurture cool-down ended (a ManagedTicker). */
export const NURTURE_COOLDOWNS = Symbol('leadledger.marketing-scoring.nurture-cooldowns');
/** Rescoring on the lead lifecycle (a ManagedLifecycleConsumer). */
export const LIFECYCLE_SCORING = Symbol('leadledger.marketing-scoring.lifecycle-scoring');
