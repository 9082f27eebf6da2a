import {
  EVENT_NAMES,
  eventTypeOf,
  lifecycleTopicOf,
  parseStreamId,
  toEnvelope,
  toKafkaMessage,
} from '@leadledger/contracts';
import {
  retry,
  subscriptionInBatches,
  type CheckpointStore,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@leadledger/eventsourcing';
import { toStoredEventDeadLetter } from '../dead-letter';
import type { MessageBus, OutgoingMessage } from '../message-bus.port';

export interface RelayObserver {
  /** A batch reached the bus and its checkpoint was saved. */
  onRelayed?(
    relay: string,
    messages: readonly OutgoingMessage[],
    position: GlobalPosition,
    newest: Date,
  ): void;
  /** A stored event that cannot be published as a CloudEvent went to the dead-letter topic instead. */
  onUnpublishable?(relay: string, event: RecordedEvent, error: unknown): void;
  /** The relay failed and will resume from its checkpoint after a pause. */
  onFailure?(relay: string, error: unknown): void;
}

export interface EventRelayOptions {
  /** Names the checkpoint; two relays with one name would share (and fight over) it. */
  readonly name: string;
  readonly batchSize?: number;
  readonly maxBatchWaitMs?: number;
  /** Pause before resuming after a failure; doubled on each failure in a row, up to 30 s. */
  readonly restartDelayMs?: number;
  readonly observer?: RelayObserver;
}

/** Every versioned type of the catalog: the relay publishes domain events, not the store's bookkeeping. */
const DOMAIN_EVENT_TYPES: readonly string[] = EVENT_NAMES.map((name) => eventTypeOf(name));
const MAX_RESTART_DELAY_MS = 30_000;
/** Relays of several services that lost the store together must not all come back at the same instant. */
const RESTART_JITTER = 0.5;
/** Dead letters of events whose stream maps to no lifecycle topic land beside this name. */
const UNROUTABLE_TOPIC = 'leadledger.relay.unroutable';

/**
 * Publishes what the event store appended to the lifecycle topics, in store order (so in order per
 * stream, which is the message key), checkpointing after the bus acknowledged each batch. Killed
 * anywhere, it resumes from the last checkpoint: every event reaches the bus at least once, and one
 * published just before a kill is published again, which consumers absorb by the event id.
 */
export class EventRelay {
  private readonly batchSize: number;
  private readonly maxBatchWaitMs: number;
  private readonly restartDelayMs: number;

  constructor(
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly bus: MessageBus,
    private readonly options: EventRelayOptions,
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.maxBatchWaitMs = options.maxBatchWaitMs ?? 20;
    this.restartDelayMs = options.restartDelayMs ?? 500;
  }

  /** Relays until `signal` aborts; failures are reported and followed by a resume from the checkpoint. */
  async run(signal: AbortSignal): Promise<void> {
    try {
      await retry((attempt) => this.relayFromCheckpoint(signal, () => attempt.madeProgress()), {
        attempts: Infinity,
        initialDelayMs: this.restartDelayMs,
        maxDelayMs: MAX_RESTART_DELAY_MS,
        jitter: RESTART_JITTER,
        signal,
        onRetry: (error) => this.options.observer?.onFailure?.(this.options.name, error),
      });
    } catch (error) {
      // A failure while stopping is the stop's doing; the checkpoint already says where to resume.
      if (!signal.aborted) throw error;
    }
  }

  private async relayFromCheckpoint(signal: AbortSignal, onProgress: () => void): Promise<void> {
    const checkpoint = await this.checkpoints.load(this.options.name);
    const options = {
      from: checkpoint ?? 'start',
      eventTypes: DOMAIN_EVENT_TYPES,
      batchSize: this.batchSize,
      maxBatchWaitMs: this.maxBatchWaitMs,
      signal,
    } as const;
    // Leaving early (a failed batch) aborts the live subscription at once: see subscriptionInBatches.
    for await (const batch of subscriptionInBatches(this.store, options)) {
      const messages = batch.map((event) => this.toMessage(event));
      await this.bus.publish(messages);
      const last = batch[batch.length - 1];
      await this.checkpoints.save(this.options.name, last.position);
      onProgress();
      this.options.observer?.onRelayed?.(this.options.name, messages, last.position, last.recordedAt);
    }
    if (!signal.aborted)
      throw new Error('the event store ended the subscription before the relay was stopped');
  }

  private toMessage(event: RecordedEvent): OutgoingMessage {
    const category = parseStreamId(event.streamId)?.category;
    const topic = category ? lifecycleTopicOf(category) : UNROUTABLE_TOPIC;
    try {
      if (!category) throw new Error(`stream "${event.streamId}" belongs to no lifecycle topic`);
      return { topic, ...toKafkaMessage(toEnvelope(event)) };
    } catch (error) {
      // Holding the relay up for one malformed event would stop every stream behind it.
      this.options.observer?.onUnpublishable?.(this.options.name, event, error);
      return toStoredEventDeadLetter(event, error, { originalTopic: topic }, new Date());
    }
  }
}
