import { Counter, Registry, type MetricValue } from 'prom-client';
import {
  createMetricsRegistry,
  eventTypeOf,
  InvalidMetricDefinitionError,
  LeadledgerMetrics,
  type ObservedMessage,
} from './leadledger-metrics';

async function valueOf(
  registry: Registry,
  name: string,
  labels: Record<string, string | number>,
): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`${name} is not registered`);
  const { values } = await metric.get();
  return values.find(
    (value) =>
      sampleName(value) === undefined &&
      Object.entries(labels).every(([key, label]) => value.labels[key] === label),
  )?.value;
}

// Histograms name each sample (_bucket, _sum, _count); counters and gauges do not.
function sampleName(value: MetricValue<string>): string | undefined {
  return 'metricName' in value ? String(value.metricName) : undefined;
}

function message(topic: string, eventType?: string): ObservedMessage {
  return { topic, headers: eventType === undefined ? {} : { ce_type: eventType, ce_id: 'e-1' } };
}

describe('LeadledgerMetrics', () => {
  let registry: Registry;
  let metrics: LeadledgerMetrics;

  beforeEach(() => {
    registry = new Registry();
    metrics = new LeadledgerMetrics(registry);
  });

  describe('business metrics', () => {
    it('registers a counter once and returns the same one when asked again', () => {
      const first = metrics.counter('leadledger_leads_qualified_total', 'Leads qualified.', ['source']);
      const second = metrics.counter('leadledger_leads_qualified_total', 'Leads qualified.', ['source']);

      expect(second).toBe(first);
      expect(first).toBeInstanceOf(Counter);
    });

    it('returns the gauge and histogram registered before, whatever the label order', () => {
      const gauge = metrics.gauge('leadledger_leads', 'Open leads by stage.', ['stage', 'source']);
      const histogram = metrics.histogram(
        'leadledger_qualification_seconds',
        'Capture to qualification.',
        [],
      );

      expect(metrics.gauge('leadledger_leads', 'Open leads by stage.', ['source', 'stage'])).toBe(gauge);
      expect(metrics.histogram('leadledger_qualification_seconds', 'Capture to qualification.')).toBe(
        histogram,
      );
    });

    it('refuses a second definition of a name with another type or other labels', () => {
      metrics.counter('leadledger_leads_qualified_total', 'Leads qualified.', ['source']);

      expect(() => metrics.gauge('leadledger_leads_qualified_total', 'x', ['source'])).toThrow(
        InvalidMetricDefinitionError,
      );
      expect(() => metrics.counter('leadledger_leads_qualified_total', 'x', ['stage'])).toThrow(
        /already a counter labelled \[source\]/,
      );
    });

    it('refuses a name registered on the registry by other means', () => {
      new Counter({ name: 'leadledger_imports_total', help: 'x', registers: [registry] });

      expect(() => metrics.counter('leadledger_imports_total', 'x')).toThrow(/by other means/);
    });

    it.each([
      ['lacks the leadledger_ prefix', 'leads_qualified_total'],
      ['is not snake case', 'leadledger_leadsQualified_total'],
      ['ends in an underscore', 'leadledger_leads_'],
    ])('refuses a name that %s', (_, name) => {
      expect(() => metrics.gauge(name, 'x')).toThrow(/leadledger_<what>_<unit>/);
    });

    it('refuses a counter whose name does not end in _total', () => {
      expect(() => metrics.counter('leadledger_leads_qualified', 'x')).toThrow(/_total/);
    });

    it.each(['lead_id', 'id', 'email', 'contact_email', 'opportunity_ids'])(
      'refuses the per-entity label %s',
      (label) => {
        expect(() => metrics.counter('leadledger_leads_qualified_total', 'x', [label])).toThrow(
          /one value per entity/,
        );
      },
    );

    it.each(['service', 'le'])('refuses the reserved label %s', (label) => {
      expect(() => metrics.counter('leadledger_leads_qualified_total', 'x', [label])).toThrow(/reserved/);
    });
  });

  describe('recording', () => {
    it('counts appended events by type', async () => {
      metrics.recordAppended('LeadCaptured');
      metrics.recordAppended('LeadCaptured', 3);

      expect(
        await valueOf(registry, 'leadledger_events_appended_total', { event_type: 'LeadCaptured' }),
      ).toBe(4);
    });

    it('sets consumer lag per topic, partition and group', async () => {
      metrics.recordLag('lead-events', 2, 'projector', 10n);
      metrics.recordLag('lead-events', 2, 'projector', 4);

      expect(
        await valueOf(registry, 'leadledger_consumer_lag_messages', {
          topic: 'lead-events',
          partition: 2,
          group: 'projector',
        }),
      ).toBe(4);
    });

    it('reports relay position, and lag as the age of the newest relayed event', async () => {
      const now = new Date('2025-03-01T12:00:10Z');
      metrics.recordRelayProgress('outbox', 1_234n, new Date('2025-03-01T12:00:07.500Z'), now);

      expect(await valueOf(registry, 'leadledger_relay_position', { relay: 'outbox' })).toBe(1_234);
      expect(await valueOf(registry, 'leadledger_relay_lag_seconds', { relay: 'outbox' })).toBe(2.5);
    });

    it('reports no relay lag when caught up, nor when the clocks disagree', async () => {
      metrics.recordRelayProgress(
        'outbox',
        5n,
        new Date('2025-03-01T12:00:07Z'),
        new Date('2025-03-01T12:00:09Z'),
      );
      metrics.recordRelayProgress('outbox', 6n);
      expect(await valueOf(registry, 'leadledger_relay_lag_seconds', { relay: 'outbox' })).toBe(0);

      metrics.recordRelayProgress(
        'outbox',
        7n,
        new Date('2025-03-01T12:00:09Z'),
        new Date('2025-03-01T12:00:08Z'),
      );
      expect(await valueOf(registry, 'leadledger_relay_lag_seconds', { relay: 'outbox' })).toBe(0);
    });
  });

  describe('messagingObserver', () => {
    it('counts published messages by topic and event type', async () => {
      metrics
        .messagingObserver('projector')
        .onPublished([
          message('lead-events', 'LeadCaptured'),
          message('lead-events', 'LeadCaptured'),
          message('lead-events', 'LeadQualified'),
          message('opportunity-events', 'OpportunityOpened'),
        ]);

      const published = (labels: Record<string, string>) =>
        valueOf(registry, 'leadledger_events_published_total', labels);
      expect(await published({ topic: 'lead-events', event_type: 'LeadCaptured' })).toBe(2);
      expect(await published({ topic: 'lead-events', event_type: 'LeadQualified' })).toBe(1);
      expect(await published({ topic: 'opportunity-events', event_type: 'OpportunityOpened' })).toBe(1);
    });

    it('counts consumed messages and times the batch under its topic', async () => {
      metrics
        .messagingObserver('projector')
        .onConsumed([message('lead-events', 'LeadCaptured'), message('lead-events')], 0.3);

      expect(
        await valueOf(registry, 'leadledger_events_consumed_total', {
          topic: 'lead-events',
          event_type: 'unknown',
        }),
      ).toBe(1);
      const durations = await registry.getSingleMetric('leadledger_handler_duration_seconds')?.get();
      const count = durations?.values.find(
        (value) =>
          sampleName(value) === 'leadledger_handler_duration_seconds_count' &&
          value.labels.topic === 'lead-events',
      );
      expect(count?.value).toBe(1);
    });

    it('times nothing for an empty batch', async () => {
      metrics.messagingObserver('projector').onConsumed([], 0.1);

      const durations = await registry.getSingleMetric('leadledger_handler_duration_seconds')?.get();
      expect(durations?.values).toEqual([]);
    });

    it('counts dead letters and retries, and reports lag for its consumer group', async () => {
      const observer = metrics.messagingObserver('projector');
      observer.onDeadLettered(message('lead-events', 'LeadCaptured'), new Error('poison'));
      observer.onRetry([message('lead-events', 'LeadCaptured')], 1, new Error('timeout'));
      observer.onRetry([message('lead-events', 'LeadCaptured')], 2, new Error('timeout'));
      observer.onLag('lead-events', 0, 7);

      expect(
        await valueOf(registry, 'leadledger_messages_dead_lettered_total', {
          topic: 'lead-events',
          event_type: 'LeadCaptured',
        }),
      ).toBe(1);
      expect(await valueOf(registry, 'leadledger_message_retries_total', { topic: 'lead-events' })).toBe(2);
      expect(
        await valueOf(registry, 'leadledger_consumer_lag_messages', {
          topic: 'lead-events',
          partition: 0,
          group: 'projector',
        }),
      ).toBe(7);
    });
  });
});

describe('eventTypeOf', () => {
  it('reads the CloudEvents type header', () => {
    expect(eventTypeOf({ ce_type: 'LeadCaptured' })).toBe('LeadCaptured');
  });

  it.each([{}, { ce_type: '' }, { ce_type: undefined }])('is "unknown" without one (%j)', (headers) => {
    expect(eventTypeOf(headers)).toBe('unknown');
  });
});

describe('createMetricsRegistry', () => {
  it('labels every series with the service and collects the process metrics', async () => {
    const registry = createMetricsRegistry('leads-svc');
    const text = await registry.metrics();

    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="leads-svc"\} /m);
  });

  it('names no gauge or histogram _total, which promtool refuses, and keeps the per-type counts', async () => {
    const registry = createMetricsRegistry('leads-svc');
    const families = await registry.getMetricsAsJSON();

    const misnamed = families.filter(
      (family) => String(family.type) !== 'counter' && family.name.endsWith('_total'),
    );
    expect(misnamed.map((family) => family.name)).toEqual([]);
    expect(families.map((family) => family.name)).toEqual(
      expect.arrayContaining([
        'nodejs_active_handles',
        'nodejs_active_resources',
        'nodejs_eventloop_lag_p99_seconds',
      ]),
    );
  });

  it('shows an initialised counter series at 0 before anything is counted', async () => {
    const metrics = new LeadledgerMetrics(createMetricsRegistry('leads-svc'));
    metrics.initialiseCounter(metrics.eventsAppended, [{ event_type: 'LeadCaptured' }]);

    expect(
      await valueOf(metrics.registry, 'leadledger_events_appended_total', { event_type: 'LeadCaptured' }),
    ).toBe(0);
  });

  it('keeps each app to its own series', async () => {
    const first = new LeadledgerMetrics(createMetricsRegistry('one'));
    const second = new LeadledgerMetrics(createMetricsRegistry('two'));
    first.recordAppended('LeadCaptured');

    expect(
      await valueOf(first.registry, 'leadledger_events_appended_total', { event_type: 'LeadCaptured' }),
    ).toBe(1);
    expect(
      await valueOf(second.registry, 'leadledger_events_appended_total', { event_type: 'LeadCaptured' }),
    ).toBeUndefined();
  });
});
