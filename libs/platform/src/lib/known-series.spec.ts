import { LeadledgerMetrics } from '@leadledger/observability';
import { Registry } from 'prom-client';
import { initialiseKnownSeries } from './known-series';
import type { PlatformConfig } from './platform-config';

const base: PlatformConfig = {
  service: 'lead-capture',
  eventStoreUrl: 'pglite://memory',
  port: 3000,
  host: '127.0.0.1',
  trustProxy: false,
  relay: true,
  readModels: { schema: 'read' },
};

async function exposition(config: PlatformConfig): Promise<string> {
  const metrics = new LeadledgerMetrics(new Registry());
  initialiseKnownSeries(metrics, config);
  return metrics.registry.metrics();
}

describe('initialiseKnownSeries', () => {
  it('shows what a relay publishes at 0, per lifecycle topic and catalog type, when it runs', async () => {
    const text = await exposition({ ...base, kafkaBrokers: ['kafka:9092'] });

    expect(text).toContain(
      'leadledger_events_published_total{topic="leadledger.leads.lifecycle",event_type="leadledger.lead.captured.v1"} 0',
    );
    expect(text).toContain(
      'leadledger_events_published_total{topic="leadledger.opportunities.lifecycle",event_type="leadledger.opportunity.won.v1"} 0',
    );
    expect(text).not.toMatch(
      /leadledger_events_published_total\{topic="leadledger\.leads\.lifecycle",event_type="leadledger\.opportunity/,
    );
  });

  it('publishes nothing, so shows no published series, without Kafka or with RELAY=false', async () => {
    for (const config of [base, { ...base, kafkaBrokers: ['kafka:9092'], relay: false }])
      expect(await exposition(config)).not.toMatch(/^leadledger_events_published_total\{/m);
  });
});
