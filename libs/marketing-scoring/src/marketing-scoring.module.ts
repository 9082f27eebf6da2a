import type { Clock } from '@leadledger/contracts';
import type { EventStore } from '@leadledger/eventstore';
import { CLOCK, EVENT_STORE, SERVICE_ENVIRONMENT, readWholeNumber } from '@leadledger/platform';
import {
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { DecayScheduler } from './schedules/decay-scheduler';
import { DEFAULT_SCORING_MODEL_PATH, loadScoringModel, type LoadedScoringModel } from './load-scoring-model';
import { LifecycleScoringController } from './consumers/lifecycle-scoring.controller';
import { MarketingScoringService } from './marketing-scoring.service';
import { ScoringController } from './http/scoring.controller';
import { ScoringMetrics } from './scoring-metrics';
import { SCORING_MODEL } from './tokens';

const DEFAULT_DECAY_TICK_MS = 60_000;

/** Runs the decay scheduler for as long as the application does. */
@Injectable()
class DecaySchedulerLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('DecayScheduler');
  private readonly stop = new AbortController();
  private running?: Promise<void>;

  private readonly tickMs: number;

  constructor(
    @Inject(DecayScheduler) private readonly scheduler: DecayScheduler,
    @Inject(SERVICE_ENVIRONMENT) env: NodeJS.ProcessEnv,
  ) {
    this.tickMs = readWholeNumber('DECAY_TICK_MS', env.DECAY_TICK_MS, {
      min: 100,
      fallback: DEFAULT_DECAY_TICK_MS,
    });
  }

  onApplicationBootstrap(): void {
    this.running = this.scheduler.run(this.stop.signal, this.tickMs);
  }

  async onModuleDestroy(): Promise<void> {
    this.stop.abort();
    await this.running;
    this.logger.log(`stopped with ${this.scheduler.pending} leads awaiting review`);
  }
}

/** Scoring on the lifecycle topic, the decay scheduler, and the score over HTTP. */
@Module({
  controllers: [LifecycleScoringController, ScoringController],
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
      inject: [EVENT_STORE, CLOCK, SCORING_MODEL],
      useFactory: (store: EventStore, clock: Clock, loaded: LoadedScoringModel) =>
        new MarketingScoringService(store, clock, loaded.model),
    },
    {
      provide: DecayScheduler,
      inject: [EVENT_STORE, MarketingScoringService, CLOCK],
      useFactory: (store: EventStore, scoring: MarketingScoringService, clock: Clock) => {
        const logger = new Logger('DecayScheduler');
        return new DecayScheduler(store, scoring, clock, {
          onFailure: (error) => logger.warn({ error: String(error) }, 'decay review failed; retrying'),
        });
      },
    },
    DecaySchedulerLifecycle,
    ScoringMetrics,
  ],
  exports: [MarketingScoringService, DecayScheduler],
})
export class MarketingScoringModule {}
