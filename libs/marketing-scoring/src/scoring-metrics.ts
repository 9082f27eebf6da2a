import { LEAD_SOURCES, type LeadEvent } from '@leadledger/contracts';
import { LeadledgerMetrics } from '@leadledger/observability';
import { Inject, Injectable } from '@nestjs/common';
import type { LoadedScoringModel } from './load-scoring-model';
import { SCORING_MODEL } from './tokens';

/** Marketing's business figures: how many leads are scored, how many qualify and from where, and how scores spread. */
@Injectable()
export class ScoringMetrics {
  private readonly scored;
  private readonly qualified;
  private readonly disqualified;
  private readonly scores;

  constructor(
    @Inject(LeadledgerMetrics) metrics: LeadledgerMetrics,
    @Inject(SCORING_MODEL) loaded: LoadedScoringModel,
  ) {
    this.scored = metrics.counter(
      'leadledger_leads_scored_total',
      'LeadScored events written, by scoring model version',
      ['model_version'],
    );
    this.qualified = metrics.counter(
      'leadledger_mqls_total',
      'Leads handed to sales as marketing-qualified, by lead source',
      ['source'],
    );
    this.disqualified = metrics.counter(
      'leadledger_leads_disqualified_total',
      'Leads ruled out as no fit, by disqualifying rule',
      ['rule'],
    );
    this.scores = metrics.histogram(
      'leadledger_lead_score_points',
      'Distribution of written scores, by axis (fit, engagement, total)',
      ['axis'],
      [-40, -20, 0, 10, 20, 30, 40, 50, 60, 80, 100, 150, 200],
    );
    // Present at zero from the start, so a rate or an absence alert has a series to look at.
    metrics.initialiseCounter(this.scored, [{ model_version: loaded.model.version }]);
    metrics.initialiseCounter(
      this.qualified,
      [...LEAD_SOURCES, 'unknown'].map((source) => ({ source })),
    );
    metrics.initialiseCounter(
      this.disqualified,
      loaded.model.disqualifiers.map((disqualifier) => ({ rule: disqualifier.id })),
    );
  }

  /** `source`: the lead's source, for MQLs by source. */
  record(events: readonly LeadEvent[], source: string | undefined): void {
    for (const event of events) {
      switch (event.type) {
        case 'LeadScored':
          this.scored.inc({ model_version: event.data.modelVersion });
          this.scores.observe({ axis: 'fit' }, event.data.fit);
          this.scores.observe({ axis: 'engagement' }, event.data.engagement);
          this.scores.observe({ axis: 'total' }, event.data.total);
          break;
        case 'LeadMarketingQualified':
          this.qualified.inc({ source: source ?? 'unknown' });
          break;
        case 'LeadDisqualified':
          this.disqualified.inc({ rule: event.data.ruleId ?? 'unknown' });
          break;
        default:
          break;
      }
    }
  }
}
