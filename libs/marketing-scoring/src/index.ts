export { ScoringModule } from './lib/scoring.module';
export { MARKETING_SCORING_SERVICE } from './lib/marketing-scoring.service-definition';
export { MarketingScoringService, MARKETING_SCORING_SOURCE } from './lib/marketing-scoring.service';
export { DecayScheduler } from './lib/decay-scheduler';
export {
  loadScoringModel,
  DEFAULT_SCORING_MODEL_PATH,
  type LoadedScoringModel,
} from './lib/load-scoring-model';
export { rescoreAll, type RescoreReport } from './lib/rescore-all';
export * from './domain';
