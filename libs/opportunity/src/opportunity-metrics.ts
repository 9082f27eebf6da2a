import { minorDigitsOf, OPPORTUNITY_LOSS_REASONS, type OpportunityEvent } from '@leadledger/contracts';
import { LeadledgerMetrics } from '@leadledger/observability';
import { READ_MODELS, type ReadModelDatabase } from '@leadledger/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { OpportunityState } from './domain/opportunity.decider';
import type { LoadedPipelines } from '@leadledger/contracts';
import { openAmounts } from './projections/opportunities';
import { PIPELINES } from './tokens';

/** The pipeline as sales leadership watches it: what is open where, how deals move, close and slip. */
@Injectable()
export class OpportunityMetrics {
  private readonly stageMoves;
  private readonly closed;
  private readonly slipped;

  constructor(
    @Inject(LeadledgerMetrics) metrics: LeadledgerMetrics,
    @Inject(PIPELINES) pipelines: LoadedPipelines,
    @Inject(READ_MODELS) readModels: ReadModelDatabase,
  ) {
    const pipelineIds = pipelines.config.pipelines.map(({ id }) => id);
    this.stageMoves = metrics.counter(
      'leadledger_opportunity_stage_moves_total',
      'Opportunities moved to a stage, by pipeline, stage and direction (forward, back)',
      ['pipeline', 'stage', 'direction'],
    );
    this.closed = metrics.counter(
      'leadledger_opportunities_closed_total',
      'Opportunities won or lost, by pipeline and loss reason (none for wins)',
      ['pipeline', 'outcome', 'reason'],
    );
    this.slipped = metrics.counter(
      'leadledger_opportunity_close_dates_slipped_total',
      'Expected close dates pushed later, by pipeline',
      ['pipeline'],
    );
    metrics.gauge(
      'leadledger_open_pipeline_amount',
      'Amount of open opportunities in major currency units, by currency, pipeline and stage (from the read model)',
      ['currency', 'pipeline', 'stage'],
      async (gauge) => {
        const amounts = await openAmounts(readModels.sql, readModels.schema).catch(() => undefined);
        if (!amounts) return;
        gauge.reset();
        for (const { currency, pipeline, stage, amountMinor } of amounts) {
          gauge.set({ currency, pipeline, stage }, amountMinor / 10 ** minorDigitsOf(currency));
        }
      },
    );
    metrics.initialiseCounter(
      this.closed,
      pipelineIds.flatMap((pipeline) => [
        { pipeline, outcome: 'won', reason: 'none' },
        ...OPPORTUNITY_LOSS_REASONS.map((reason) => ({ pipeline, outcome: 'lost', reason })),
      ]),
    );
    metrics.initialiseCounter(
      this.slipped,
      pipelineIds.map((pipeline) => ({ pipeline })),
    );
    metrics.initialiseCounter(
      this.stageMoves,
      pipelines.config.pipelines.flatMap(({ id: pipeline, stages }) =>
        stages
          .filter(({ outcome }) => outcome === undefined)
          .flatMap(({ id: stage }) =>
            ['forward', 'back'].map((direction) => ({ pipeline, stage, direction })),
          ),
      ),
    );
  }

  /** `state`: the opportunity after the events. */
  record(
    events: readonly OpportunityEvent[],
    state: OpportunityState,
    stageOrder: (stage: string) => number,
  ): void {
    if (state.status === 'none') return;
    const { pipeline } = state.opportunity;
    for (const event of events) {
      switch (event.type) {
        case 'OpportunityStageChanged': {
          const direction = stageOrder(event.data.to) < stageOrder(event.data.from) ? 'back' : 'forward';
          this.stageMoves.inc({ pipeline, stage: event.data.to, direction });
          break;
        }
        case 'OpportunityWon':
          this.closed.inc({ pipeline, outcome: 'won', reason: 'none' });
          break;
        case 'OpportunityLost':
          this.closed.inc({ pipeline, outcome: 'lost', reason: event.data.reason });
          break;
        case 'OpportunityCloseDateChanged':
          if (event.data.to > event.data.from) this.slipped.inc({ pipeline });
          break;
        default:
          break;
      }
    }
  }
}
