export const SCORING_MODEL = Symbol('leadledger.scoring-model');
