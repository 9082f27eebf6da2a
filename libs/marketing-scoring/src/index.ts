export { MarketingScoringModule } from './marketing-scoring.module';
export { MARKETING_SCORING_SERVICE } from './marketing-scoring.service-definition';
export { MarketingScoringService, MARKETING_SCORING_SOURCE } from './marketing-scoring.service';
export { decayReviews, reviewDecay } from './schedules/decay-reviews';
export { nurtureCooldowns, endNurtureCooldown } from './schedules/nurture-cooldowns';
export { scoreViewProjection, toScoreView, type ScoreView } from './projections/score-view';
export { loadScoringModel, DEFAULT_SCORING_MODEL_PATH, type LoadedScoringModel } from './load-scoring-model';
export { rescoreAll, type RescoreReport } from './rescore-all';
export * from './domain';
