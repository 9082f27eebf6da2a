import { minorDigitsOf } from '@leadledger/contracts';
import { LeadledgerMetrics } from '@leadledger/observability';
import { ReadModelDatabase, READ_MODELS } from '@leadledger/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';

/** The forecast as ops and sales leadership watch it. */
@Injectable()
export class ForecastingMetrics {
  private readonly snapshots: Counter<'trigger'>;

  constructor(
    @Inject(LeadledgerMetrics) metrics: LeadledgerMetrics,
    @Inject(READ_MODELS) readModels: ReadModelDatabase,
  ) {
    this.snapshots = metrics.counter(
      'leadledger_forecast_snapshots_total',
      'Forecast snapshots taken, by trigger.',
      ['trigger'],
    );
    metrics.initialiseCounter(this.snapshots, [{ trigger: 'scheduled' }, { trigger: 'on_demand' }]);
    metrics.gauge(
      'leadledger_forecast_weighted_pipeline',
      'Open opportunities (not omitted) weighted by probability, in major currency units, by currency (from the read model).',
      ['currency'],
      async (gauge) => {
        const rows = await readModels.sql
          .query<{ currency: string; weighted: string }>(
            `SELECT currency, sum(amount_minor::numeric * probability / 100)::text AS weighted
               FROM "${readModels.schema}".analytics_opportunities
              WHERE status = 'open' AND forecast_category <> 'omitted' AND amount_minor IS NOT NULL
              GROUP BY currency`,
          )
          .catch(() => undefined);
        if (!rows) return;
        gauge.reset();
        for (const { currency, weighted } of rows)
          gauge.set({ currency }, Number(weighted) / 10 ** minorDigitsOf(currency));
      },
    );
  }

  recordSnapshot(trigger: 'scheduled' | 'on_demand'): void {
    this.snapshots.inc({ trigger });
  }
}
