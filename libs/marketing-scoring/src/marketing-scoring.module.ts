import type { Clock } from '@leadledger/contracts';
import type { EventStore } from '@leadledger/eventstore';
import { scheduledItemsProjection } from '@leadledger/projections';
import {
  CLOCK,
  EVENT_STORE,
  SERVICE_ENVIRONMENT,
  provideLifecycleConsumer,
  provideProjections,
  provideSchedule,
  reportUnreadableEvents,
} from '@leadledger/platform';
import { LeadledgerMetrics } from '@leadledger/observability';
import { Module } from '@nestjs/common';
import { lifecycleScoring } from './consumers/lifecycle-scoring.consumer';
import { ScoringController } from './http/scoring.controller';
import { DEFAULT_SCORING_MODEL_PATH, loadScoringModel, type LoadedScoringModel } from './load-scoring-model';
import { MarketingScoringService } from './marketing-scoring.service';
import { scoreViewProjection } from './projections/score-view';
import { decayReviews, reviewDecay } from './schedules/decay-reviews';
import { endNurtureCooldown, nurtureCooldowns } from './schedules/nurture-cooldowns';
import { ScoringMetrics } from './scoring-metrics';
import {
  DECAY_REVIEWS,
  LIFECYCLE_SCORING,
  MARKETING_SCORING_PROJECTIONS,
  NURTURE_COOLDOWNS,
  SCORING_MODEL,
} from './tokens';

/** Scoring on the lifecycle topic, the decay reviews, and the score over HTTP. */
@Module({
  controllers: [ScoringController],
  providers: [
    // SCORING_MODEL names the model file; a bad model stops the service at start, naming the rule.
    {
      provide: SCORING_MODEL,
      inject: [SERVICE_ENVIRONMENT],
      useFactory: (env: NodeJS.ProcessEnv) =>
        loadScoringModel(env.SCORING_MODEL || DEFAULT_SCORING_MODEL_PATH),
    },
    {
      provide: MarketingScoringService,
      inject: [EVENT_STORE, CLOCK, SCORING_MODEL, LeadledgerMetrics],
      useFactory: (store: EventStore, clock: Clock, loaded: LoadedScoringModel, metrics: LeadledgerMetrics) =>
        new MarketingScoringService(store, clock, loaded.model, reportUnreadableEvents(metrics)),
    },
    provideProjections(MARKETING_SCORING_PROJECTIONS, 'marketing-scoring', [
      scoreViewProjection,
      scheduledItemsProjection(decayReviews),
      scheduledItemsProjection(nurtureCooldowns),
    ]),
    provideSchedule(DECAY_REVIEWS, {
      scheduler: decayReviews,
      tickSetting: 'DECAY_TICK_MS',
      defaultTickMs: 60_000,
      inject: [MarketingScoringService],
      handler: reviewDecay,
    }),
    provideSchedule(NURTURE_COOLDOWNS, {
      scheduler: nurtureCooldowns,
      tickSetting: 'DECAY_TICK_MS',
      defaultTickMs: 60_000,
      inject: [MarketingScoringService],
      handler: endNurtureCooldown,
    }),
    ScoringMetrics,
    provideLifecycleConsumer(LIFECYCLE_SCORING, {
      inject: [MarketingScoringService, ScoringMetrics],
      consumer: lifecycleScoring,
    }),
  ],
  exports: [MarketingScoringService],
})
export class MarketingScoringModule {}
