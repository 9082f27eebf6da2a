import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The CloudEvents Kafka binding carries the event type in this header. */
export const EVENT_TYPE_HEADER = 'ce_type';

export type ObservedHeaders = Readonly<Record<string, string | undefined>>;

/** What the metrics need of a message; messaging's own message types satisfy it. */
export interface ObservedMessage {
  readonly topic: string;
  readonly headers: ObservedHeaders;
}

/**
 * Shaped like messaging's observer hooks, without depending on that library: pass it wherever a
 * bus adapter or `deliverBatch` takes an observer.
 */
export interface MessagingMetricsObserver {
  onPublished(messages: readonly ObservedMessage[]): void;
  onConsumed(batch: readonly ObservedMessage[], durationSeconds: number): void;
  onDeadLettered(message: ObservedMessage, error: unknown): void;
  onRetry(batch: readonly ObservedMessage[], attempt: number, error: unknown): void;
  onLag(topic: string, partition: number, lag: number | bigint): void;
}

export function eventTypeOf(headers: ObservedHeaders): string {
  const eventType = headers[EVENT_TYPE_HEADER];
  return eventType ? eventType : 'unknown';
}

export class InvalidMetricDefinitionError extends Error {
  override readonly name = 'InvalidMetricDefinitionError';
}

/** A Prometheus-style status for requests the client gave up on before the response was sent. */
export const CLIENT_CLOSED_REQUEST = 499;

// Consumer batches can take far longer than an HTTP request: the upper buckets reach a minute.
const HANDLER_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const METRIC_NAME = /^leadledger_[a-z][a-z0-9_]*[a-z0-9]$/;
const LABEL_NAME = /^[a-z][a-z0-9_]*$/;
// Every distinct label value is a time series kept for good: a per-lead or per-person label grows
// without bound and puts personal data into the monitoring system. docs/architecture.md ("Observability") forbids both.
const PER_ENTITY_LABEL = /(?:^|_)(?:id|ids|email|emails)$/;
// Set on every series by the registry itself; a metric's own `service` label would clash with it.
const RESERVED_LABELS = new Set(['service', 'le', 'quantile']);

type MetricKind = 'counter' | 'gauge' | 'histogram';

interface Definition {
  readonly kind: MetricKind;
  readonly labelNames: readonly string[];
}

/**
 * prom-client's gauges of live handles, requests and resources are named `_total`, which
 * `promtool check metrics` refuses for anything but a counter. The same counts stay, by type, in
 * `nodejs_active_handles`, `nodejs_active_requests` and `nodejs_active_resources`: sum those.
 */
export const DEFAULT_METRICS_REFUSED_BY_PROMTOOL = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

/** A registry of its own per app, so tests and several apps in one process never share series. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  for (const name of DEFAULT_METRICS_REFUSED_BY_PROMTOOL) registry.removeSingleMetric(name);
  return registry;
}

/**
 * The service's metrics, named `leadledger_<what>_<unit>` (docs/architecture.md, "Observability"). The typed fields are the
 * metrics every service shares; the `record*` methods are what adapters call, so they need not
 * know label names; `counter`, `gauge` and `histogram` let feature modules add business metrics
 * to the same registry.
 */
export class LeadledgerMetrics {
  private readonly definitions = new Map<string, Definition>();

  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly eventsAppended: Counter<'event_type'>;
  readonly eventsPublished: Counter<'event_type' | 'topic'>;
  readonly eventsConsumed: Counter<'event_type' | 'topic'>;
  readonly messagesDeadLettered: Counter<'topic' | 'event_type'>;
  readonly messageRetries: Counter<'topic'>;
  readonly handlerDuration: Histogram<'topic'>;
  readonly consumerLag: Gauge<'topic' | 'partition' | 'group'>;
  readonly relayLag: Gauge<'relay'>;
  readonly relayPosition: Gauge<'relay'>;

  constructor(readonly registry: Registry) {
    this.httpRequestDuration = this.histogram(
      'leadledger_http_request_duration_seconds',
      'HTTP request duration by matched route pattern ("unmatched" when no route matched).',
      ['method', 'route', 'status_code'],
    );
    this.eventsAppended = this.counter(
      'leadledger_events_appended_total',
      'Events appended to the event store.',
      ['event_type'],
    );
    this.eventsPublished = this.counter(
      'leadledger_events_published_total',
      'Events published to the message bus.',
      ['event_type', 'topic'],
    );
    this.eventsConsumed = this.counter('leadledger_events_consumed_total', 'Events handled by a consumer.', [
      'event_type',
      'topic',
    ]);
    this.messagesDeadLettered = this.counter(
      'leadledger_messages_dead_lettered_total',
      'Messages moved to the dead-letter topic after their retries were spent.',
      ['topic', 'event_type'],
    );
    this.messageRetries = this.counter(
      'leadledger_message_retries_total',
      'Failed batch deliveries that will be retried.',
      ['topic'],
    );
    this.handlerDuration = this.histogram(
      'leadledger_handler_duration_seconds',
      'Time a consumer took to handle one batch.',
      ['topic'],
      HANDLER_DURATION_BUCKETS,
    );
    this.consumerLag = this.gauge(
      'leadledger_consumer_lag_messages',
      'Messages in a partition the consumer group has not committed yet.',
      ['topic', 'partition', 'group'],
    );
    this.relayLag = this.gauge(
      'leadledger_relay_lag_seconds',
      'Age of the newest event a relay published, at publishing time; 0 when caught up.',
      ['relay'],
    );
    this.relayPosition = this.gauge(
      'leadledger_relay_position',
      'Global event store position up to which a relay has published.',
      ['relay'],
    );
  }

  /** Registers the counter, or returns the one registered under that name before. */
  counter<Label extends string = never>(
    name: string,
    help: string,
    labelNames: readonly Label[] = [],
  ): Counter<Label> {
    if (!name.endsWith('_total'))
      throw new InvalidMetricDefinitionError(
        `counter "${name}" must end in _total (docs/architecture.md, "Observability")`,
      );
    return this.define(
      'counter',
      name,
      labelNames,
      () => new Counter({ ...this.base(name, help, labelNames) }),
    );
  }

  /**
   * Registers the gauge, or returns the one registered under that name before. `collect` sets it
   * on every scrape, for a figure read from a read model rather than moved by events as they happen
   * (several replicas would each move their own copy).
   */
  gauge<Label extends string = never>(
    name: string,
    help: string,
    labelNames: readonly Label[] = [],
    collect?: (gauge: Gauge<Label>) => Promise<void>,
  ): Gauge<Label> {
    return this.define(
      'gauge',
      name,
      labelNames,
      () =>
        new Gauge({
          ...this.base(name, help, labelNames),
          ...(collect && {
            async collect(this: Gauge<Label>) {
              await collect(this);
            },
          }),
        }),
    );
  }

  /** Registers the histogram, or returns the one registered under that name before. */
  histogram<Label extends string = never>(
    name: string,
    help: string,
    labelNames: readonly Label[] = [],
    buckets?: readonly number[],
  ): Histogram<Label> {
    return this.define(
      'histogram',
      name,
      labelNames,
      () =>
        new Histogram({ ...this.base(name, help, labelNames), ...(buckets && { buckets: [...buckets] }) }),
    );
  }

  /**
   * Makes each series of `counter` exist at 0 before anything happened, so a restart shows as a
   * reset to zero rather than a gap, and `rate()` and absence alerts see the first increment.
   */
  initialiseCounter<Label extends string>(
    counter: Counter<Label>,
    labelSets: ReadonlyArray<Readonly<Record<Label, string | number>>>,
  ): void {
    for (const labels of labelSets) counter.inc(labels as Partial<Record<Label, string | number>>, 0);
  }

  recordHttpRequest(method: string, route: string, statusCode: number, durationSeconds: number): void {
    this.httpRequestDuration.observe({ method, route, status_code: statusCode }, durationSeconds);
  }

  recordAppended(eventType: string, count = 1): void {
    this.eventsAppended.inc({ event_type: eventType }, count);
  }

  recordPublished(topic: string, eventType: string, count = 1): void {
    this.eventsPublished.inc({ topic, event_type: eventType }, count);
  }

  recordConsumed(topic: string, eventType: string, count = 1): void {
    this.eventsConsumed.inc({ topic, event_type: eventType }, count);
  }

  recordDeadLettered(topic: string, eventType: string): void {
    this.messagesDeadLettered.inc({ topic, event_type: eventType });
  }

  recordRetry(topic: string): void {
    this.messageRetries.inc({ topic });
  }

  recordHandlerDuration(topic: string, durationSeconds: number): void {
    this.handlerDuration.observe({ topic }, durationSeconds);
  }

  recordLag(topic: string, partition: number, group: string, lag: number | bigint): void {
    this.consumerLag.set({ topic, partition, group }, Number(lag));
  }

  /**
   * After a relay published up to `position`; `newestRecordedAt` is when the newest event it just
   * published was recorded, omitted when it found nothing new (caught up, so no lag).
   */
  recordRelayProgress(
    relay: string,
    position: bigint,
    newestRecordedAt?: Date,
    now: Date = new Date(),
  ): void {
    // A gauge is a float64: exact up to 2^53 events, which no store of ours will reach.
    this.relayPosition.set({ relay }, Number(position));
    const lagSeconds = newestRecordedAt ? (now.getTime() - newestRecordedAt.getTime()) / 1000 : 0;
    // Clocks of the store and of this process disagree a little: never report negative lag.
    this.relayLag.set({ relay }, Math.max(0, lagSeconds));
  }

  /** Hooks for a bus adapter; lag is reported for `consumerGroup`, which the adapter's hook omits. */
  messagingObserver(consumerGroup: string): MessagingMetricsObserver {
    return {
      onPublished: (messages) =>
        this.countByTopicAndType(messages, (topic, eventType, count) =>
          this.recordPublished(topic, eventType, count),
        ),
      onConsumed: (batch, durationSeconds) => {
        this.countByTopicAndType(batch, (topic, eventType, count) =>
          this.recordConsumed(topic, eventType, count),
        );
        // A batch is one partition's messages, so one topic; an empty batch measured nothing.
        const topic = batch[0]?.topic;
        if (topic !== undefined) this.recordHandlerDuration(topic, durationSeconds);
      },
      onDeadLettered: (message) => this.recordDeadLettered(message.topic, eventTypeOf(message.headers)),
      onRetry: (batch) => {
        const topic = batch[0]?.topic;
        if (topic !== undefined) this.recordRetry(topic);
      },
      onLag: (topic, partition, lag) => this.recordLag(topic, partition, consumerGroup, lag),
    };
  }

  private countByTopicAndType(
    messages: readonly ObservedMessage[],
    record: (topic: string, eventType: string, count: number) => void,
  ): void {
    const counts = new Map<string, { topic: string; eventType: string; count: number }>();
    for (const message of messages) {
      const eventType = eventTypeOf(message.headers);
      const key = `${message.topic}\u0000${eventType}`;
      const entry = counts.get(key) ?? { topic: message.topic, eventType, count: 0 };
      entry.count += 1;
      counts.set(key, entry);
    }
    for (const { topic, eventType, count } of counts.values()) record(topic, eventType, count);
  }

  private base<Label extends string>(name: string, help: string, labelNames: readonly Label[]) {
    return { name, help, labelNames: [...labelNames], registers: [this.registry] };
  }

  private define<M>(kind: MetricKind, name: string, labelNames: readonly string[], create: () => M): M {
    const existing = this.definitions.get(name);
    if (existing) {
      if (existing.kind !== kind || !sameLabels(existing.labelNames, labelNames))
        throw new InvalidMetricDefinitionError(
          `metric "${name}" is already a ${existing.kind} labelled [${existing.labelNames.join(', ')}]`,
        );
      return this.registry.getSingleMetric(name) as M;
    }
    validateDefinition(name, labelNames);
    if (this.registry.getSingleMetric(name))
      throw new InvalidMetricDefinitionError(
        `metric "${name}" was registered on this registry by other means`,
      );
    const metric = create();
    this.definitions.set(name, { kind, labelNames: [...labelNames] });
    return metric;
  }
}

function validateDefinition(name: string, labelNames: readonly string[]): void {
  if (!METRIC_NAME.test(name))
    throw new InvalidMetricDefinitionError(
      `metric "${name}" must be named leadledger_<what>_<unit> in snake case (docs/architecture.md, "Observability")`,
    );
  for (const label of labelNames) {
    if (!LABEL_NAME.test(label))
      throw new InvalidMetricDefinitionError(`label "${label}" of "${name}" must be snake case`);
    if (RESERVED_LABELS.has(label))
      throw new InvalidMetricDefinitionError(`label "${label}" of "${name}" is reserved`);
    if (PER_ENTITY_LABEL.test(label))
      throw new InvalidMetricDefinitionError(
        `label "${label}" of "${name}" would hold one value per entity or person (docs/architecture.md, "Observability")`,
      );
  }
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  const sortedB = [...b].sort();
  return a.length === b.length && [...a].sort().every((label, i) => label === sortedB[i]);
}
