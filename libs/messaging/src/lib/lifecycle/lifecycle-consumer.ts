import {
  InvalidEnvelopeError,
  InvalidEventDataError,
  eventNameOf,
  parseStreamId,
  toDomainEvent,
  type DomainEvent,
  type EventEnvelope,
  type EventName,
  type StreamCategory,
} from '@leadledger/contracts';
import { PermanentMessageError, type BatchContext } from '../message-bus.port';

/** One lifecycle event as a consumer gets it: the envelope (ids, times, causation) and its checked domain event. */
export interface LifecycleEvent {
  readonly envelope: EventEnvelope;
  /** Validated against its contract. */
  readonly event: DomainEvent;
}

/** The events of one stream in a batch, in stream order. */
export interface StreamEvents {
  readonly streamId: string;
  /** The lead's or opportunity's id. */
  readonly id: string;
  readonly events: readonly LifecycleEvent[];
}

/**
 * A module that reacts to lifecycle events, written once and run either on the bus (a service
 * consuming the relay's topic: consumeLifecycleFromBus) or on the event store (the embedded
 * pipeline: consumeLifecycleFromStore). Delivery is at least once either way: handle() must be
 * idempotent, e.g. by deriving what it writes from the events' ids.
 */
export interface LifecycleConsumer {
  /** Its Kafka consumer group, and its checkpoint's name when it reads the store. Each module consumes as its own group. */
  readonly name: string;
  /** Which lifecycle topic (or which streams of the store) it reads. */
  readonly category: StreamCategory;
  /** The events it reacts to; others are skipped, never an error. */
  readonly eventTypes: readonly EventName[];
  /**
   * One call per batch, the events grouped per stream, streams in the order of their first event.
   * Throwing retries; what still fails is dead-lettered. `context.heartbeat()` between slow steps
   * keeps a Kafka membership alive and is where a stopping consumer gives the batch up.
   */
  handle(streams: readonly StreamEvents[], context: BatchContext): Promise<void>;
}

/**
 * Reads one lifecycle event for `consumer`: undefined when it is of a type the consumer skips,
 * a PermanentMessageError when no retry can make it readable (a bad envelope, a stream of another
 * category, data that breaks its contract). The one place that decides what is dead-lettered for
 * being unreadable, whether the event came from the bus or the store.
 */
export function readLifecycleEvent(
  consumer: LifecycleConsumer,
  readEnvelope: () => EventEnvelope,
): LifecycleEvent | undefined {
  try {
    const envelope = readEnvelope();
    const name = eventNameOf(envelope.type);
    if (name === undefined || !consumer.eventTypes.includes(name)) return undefined;
    const stream = parseStreamId(envelope.subject);
    if (stream?.category !== consumer.category) {
      throw new PermanentMessageError(`subject "${envelope.subject}" is not a ${consumer.category} stream`);
    }
    const event = toDomainEvent(envelope);
    if (event === undefined) return undefined;
    return { envelope, event };
  } catch (error) {
    if (error instanceof InvalidEnvelopeError || error instanceof InvalidEventDataError) {
      throw new PermanentMessageError(error.message);
    }
    throw error;
  }
}

/** Groups events per stream, streams in the order of their first event, each stream's events in order. */
export function groupByStream(events: readonly LifecycleEvent[]): StreamEvents[] {
  const byStream = new Map<string, { streamId: string; id: string; events: LifecycleEvent[] }>();
  for (const lifecycleEvent of events) {
    const streamId = lifecycleEvent.envelope.subject;
    let stream = byStream.get(streamId);
    if (!stream) {
      // readLifecycleEvent let only parseable subjects through.
      const id = parseStreamId(streamId)?.id ?? streamId;
      stream = { streamId, id, events: [] };
      byStream.set(streamId, stream);
    }
    stream.events.push(lifecycleEvent);
  }
  return [...byStream.values()];
}
