import type { Clock } from '@leadledger/contracts';
import type { EventStore } from '@leadledger/eventstore';
import { CLOCK, EVENT_STORE } from '@leadledger/platform';
import {
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { DecayScheduler } from './decay-scheduler';
import { DEFAULT_SCORING_MODEL_PATH, loadScoringModel, type LoadedScoringModel } from './load-scoring-model';
import { LifecycleScoringController } from './lifecycle-scoring.controller';
import { MarketingScoringService } from './marketing-scoring.service';
import { ScoringController } from './scoring.controller';
import { ScoringMetrics } from './scoring-metrics';
import { SCORING_MODEL } from './tokens';

const DEFAULT_DECAY_TICK_MS = 60_000;

/** Runs the decay scheduler for as long as the application does. */
@Injectable()
class DecaySchedulerLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('DecayScheduler');
  private readonly stop = new AbortController();
  private running?: Promise<void>;

  constructor(@Inject(DecayScheduler) private readonly scheduler: DecayScheduler) {}

  onApplicationBootstrap(): void {
    this.running = this.scheduler.run(this.stop.signal, decayTickMs());
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
      useFactory: () => loadScoringModel(process.env.SCORING_MODEL || DEFAULT_SCORING_MODEL_PATH),
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
export class ScoringModule {}

function decayTickMs(): number {
  const raw = process.env.DECAY_TICK_MS;
  if (!raw) return DEFAULT_DECAY_TICK_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 100)
    throw new Error(`DECAY_TICK_MS must be a whole number of at least 100, got "${raw}"`);
  return ms;
}
