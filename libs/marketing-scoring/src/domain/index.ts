export {
  SCORING_FIELDS,
  NUMERIC_FIELDS,
  factsCapturedBy,
  factsUpdatedBy,
  type ScoringField,
  type FactValue,
  type Fact,
  type LeadFacts,
} from './lead-facts';
export {
  parseScoringModel,
  worstCaseBreakdownSize,
  InvalidScoringModelError,
  MAX_BREAKDOWN_SIZE,
  type ScoringModel,
  type Condition,
  type ConditionKind,
  type FitRule,
  type Disqualifier,
  type EngagementRule,
  type EngagementCap,
} from './scoring-model';
export {
  scoreLead,
  disqualifierMatching,
  isMarketingQualified,
  nextReviewAt,
  conditionHolds,
  type Engagement,
  type Score,
} from './score';
export {
  decide,
  evolve,
  initialScoringState,
  scoringDecider,
  type ScoringState,
  type ScoringCommand,
  type RecordedScore,
  type Disqualification,
} from './scoring.decider';
