import { eventTypeOf, lifecycleTopicOf, toEnvelope } from '@leadledger/contracts';
import {
  retry,
  subscriptionInBatches,
  type CheckpointStore,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@leadledger/eventsourcing';
import { toStoredEventDeadLetter } from '../dead-letter';
import { ConsumptionStoppedError } from '../kafka/stoppable-delivery';
import {
  DEFAULT_RETRY_POLICY,
  PermanentMessageError,
  type BatchContext,
  type Consumption,
  type MessageBus,
  type RetryPolicy,
} from '../message-bus.port';
import {
  groupByStream,
  readLifecycleEvent,
  type LifecycleConsumer,
  type LifecycleEvent,
  type StreamEvents,
} from './lifecycle-consumer';

export interface LifecycleFromStoreObserver {
  /** A batch was handled (what could not be, dead-lettered) and the checkpoint moved past it. */
  onCheckpointed?(consumer: string, position: GlobalPosition, newest: Date): void;
  /** Handling failed and is tried again after a pause; `attempt` is the try that failed. */
  onRetry?(consumer: string, attempt: number, error: unknown): void;
  /** Events no retry could handle (or read) went to the dead-letter topic; the consumer moved on. */
  onDeadLettered?(consumer: string, events: readonly RecordedEvent[], error: unknown): void;
  /** The consumer failed outside handle() (store, checkpoint, dead-letter bus); it resumes from its checkpoint after a pause. */
  onFailure?(consumer: string, error: unknown): void;
}

export interface LifecycleFromStoreOptions {
  /** Where what cannot be handled goes, to `<lifecycle topic>.dlq` as on Kafka: the in-process bus in the embedded pipeline. */
  readonly deadLetters: MessageBus;
  /** Tries per batch, then per stream, before a stream's events are dead-lettered. */
  readonly retry?: RetryPolicy;
  readonly batchSize?: number;
  /** How long a live event waits for others to share its batch. */
  readonly maxBatchWaitMs?: number;
  /** Pause before resuming after a failure outside handle(); doubled on each failure in a row, up to 30 s. */
  readonly restartDelayMs?: number;
  readonly observer?: LifecycleFromStoreObserver;
  readonly now?: () => Date;
}

const DEFAULT_BATCH_SIZE = 100;
const DEFAULT_MAX_BATCH_WAIT_MS = 20;
const DEFAULT_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;
const RESTART_JITTER = 0.5;

/** Where a lifecycle consumer reading the store keeps its position; apart from the relay's and every other consumer's. */
export function lifecycleCheckpointName(consumerName: string): string {
  return `consumer:${consumerName}`;
}

/**
 * Runs `consumer` on the event store itself, for the embedded pipeline, where no broker keeps
 * messages safe: it subscribes to its event types from its own checkpoint, hands each batch to
 * handle() grouped per stream (retrying), and saves the checkpoint once the batch was handled or
 * dead-lettered. Stopped or killed before that, it hands the batch over again: at least once, as
 * on Kafka. A batch that keeps failing is retried stream by stream, so one bad stream costs only
 * itself: its events go to `<lifecycle topic>.dlq` on `deadLetters`, the others are handled.
 * Runs until stop().
 */
export function consumeLifecycleFromStore(
  store: EventStore,
  checkpoints: CheckpointStore,
  consumer: LifecycleConsumer,
  options: LifecycleFromStoreOptions,
): Consumption {
  const stopping = new AbortController();
  const running = new StoreLifecycleReader(store, checkpoints, consumer, options).run(stopping.signal);
  return {
    async stop() {
      stopping.abort();
      await running;
    },
  };
}

class StoreLifecycleReader {
  private readonly checkpointName: string;
  private readonly topic: string;
  private readonly retry: RetryPolicy;
  private readonly observer: LifecycleFromStoreObserver;
  private readonly now: () => Date;

  constructor(
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly consumer: LifecycleConsumer,
    private readonly options: LifecycleFromStoreOptions,
  ) {
    this.checkpointName = lifecycleCheckpointName(consumer.name);
    this.topic = lifecycleTopicOf(consumer.category);
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.observer = options.observer ?? {};
    this.now = options.now ?? (() => new Date());
  }

  async run(signal: AbortSignal): Promise<void> {
    try {
      await retry((attempt) => this.readFromCheckpoint(signal, () => attempt.madeProgress()), {
        attempts: Infinity,
        initialDelayMs: this.options.restartDelayMs ?? DEFAULT_RESTART_DELAY_MS,
        maxDelayMs: MAX_RESTART_DELAY_MS,
        jitter: RESTART_JITTER,
        signal,
        onRetry: (error) => this.observer.onFailure?.(this.consumer.name, error),
      });
    } catch (error) {
      // Stopping ends the batch in hand unsaved, on purpose: it is handed over again after the restart.
      if (!signal.aborted) throw error;
    }
  }

  private async readFromCheckpoint(signal: AbortSignal, onProgress: () => void): Promise<void> {
    const checkpoint = await this.checkpoints.load(this.checkpointName);
    const options = {
      from: checkpoint ?? 'start',
      eventTypes: this.consumer.eventTypes.map((name) => eventTypeOf(name)),
      batchSize: this.options.batchSize ?? DEFAULT_BATCH_SIZE,
      maxBatchWaitMs: this.options.maxBatchWaitMs ?? DEFAULT_MAX_BATCH_WAIT_MS,
      signal,
    } as const;
    // Leaving early (a failed batch) aborts the live subscription at once: see subscriptionInBatches.
    for await (const batch of subscriptionInBatches(this.store, options)) {
      await this.handleBatch(batch, signal);
      const last = batch[batch.length - 1];
      await this.checkpoints.save(this.checkpointName, last.position);
      onProgress();
      this.observer.onCheckpointed?.(this.consumer.name, last.position, last.recordedAt);
    }
    if (!signal.aborted)
      throw new Error('the event store ended the subscription before the consumer was stopped');
  }

  /** Resolves once every event of the batch was handled, skipped or dead-lettered; throws when stopped. */
  private async handleBatch(batch: readonly RecordedEvent[], signal: AbortSignal): Promise<void> {
    const recordedOf = new Map<LifecycleEvent, RecordedEvent>();
    const unreadable: Array<{ event: RecordedEvent; error: PermanentMessageError }> = [];
    for (const recorded of batch) {
      try {
        const event = readLifecycleEvent(this.consumer, () => toEnvelope(recorded));
        if (event) recordedOf.set(event, recorded);
      } catch (error) {
        if (!(error instanceof PermanentMessageError)) throw error;
        unreadable.push({ event: recorded, error });
      }
    }

    const failedStreams: Array<{ stream: StreamEvents; error: unknown }> = [];
    const streams = groupByStream([...recordedOf.keys()]);
    if (streams.length > 0 && (await this.tryHandling(streams, signal)) !== undefined) {
      // One stream's fault should not cost the others: narrow the failure down.
      for (const stream of streams) {
        const error = await this.tryHandling([stream], signal);
        if (error !== undefined) failedStreams.push({ stream, error });
      }
    }

    for (const { event, error } of unreadable) await this.deadLetter([event], error);
    for (const { stream, error } of failedStreams) {
      await this.deadLetter(
        stream.events.map((event) => recordedOf.get(event) as RecordedEvent),
        error,
      );
    }
  }

  /** Undefined once handled, else the last error after the retries; throws when the consumer stops meanwhile. */
  private async tryHandling(streams: readonly StreamEvents[], signal: AbortSignal): Promise<unknown> {
    const context: BatchContext = { heartbeat: async () => throwIfStopped(signal) };
    try {
      await retry(() => this.consumer.handle(streams, context), {
        ...this.retry,
        signal,
        shouldRetry: (error) => !(error instanceof PermanentMessageError),
        onRetry: (error, attempt) => this.observer.onRetry?.(this.consumer.name, attempt, error),
      });
      return undefined;
    } catch (error) {
      // A failure while stopping is often the stop's doing (a closed pool): no dead letter for it.
      throwIfStopped(signal);
      return error;
    }
  }

  private async deadLetter(events: readonly RecordedEvent[], error: unknown): Promise<void> {
    const failedAt = this.now();
    await this.options.deadLetters.publish(
      events.map((event) =>
        toStoredEventDeadLetter(
          event,
          error,
          { originalTopic: this.topic, consumerGroup: this.consumer.name },
          failedAt,
        ),
      ),
    );
    this.observer.onDeadLettered?.(this.consumer.name, events, error);
  }
}

function throwIfStopped(signal: AbortSignal): void {
  if (signal.aborted)
    throw new ConsumptionStoppedError('the consumer was stopped before the batch was handled');
}
