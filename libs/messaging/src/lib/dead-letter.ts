import { deadLetterTopicOf, toEnvelope, toKafkaMessage } from '@leadledger/contracts';
import type { RecordedEvent } from '@leadledger/eventsourcing';
import type { IncomingMessage, MessageHeaders, OutgoingMessage } from './message-bus.port';

// The topic names, dead-letter topics included, are part of the contracts.
export { deadLetterTopicOf };

/** Headers a dead-letter record carries beside the original ones, so it can be understood and replayed. */
export const DEAD_LETTER_HEADERS = {
  error: 'dlq_error',
  errorType: 'dlq_error_type',
  originalTopic: 'dlq_original_topic',
  originalPartition: 'dlq_original_partition',
  originalOffset: 'dlq_original_offset',
  consumerGroup: 'dlq_consumer_group',
  failedAt: 'dlq_failed_at',
  /** For an event given up on before it became a message (the relay, a consumer reading the store). */
  eventId: 'dlq_event_id',
  eventType: 'dlq_event_type',
  streamId: 'dlq_stream_id',
  position: 'dlq_position',
} as const;

const MAX_ERROR_LENGTH = 2_000;

export function toDeadLetter(
  message: IncomingMessage,
  error: unknown,
  consumerGroup: string,
  failedAt: Date,
): OutgoingMessage {
  const failure = error instanceof Error ? error : new Error(String(error));
  return {
    topic: deadLetterTopicOf(message.topic),
    key: message.key ?? '',
    value: message.value ?? '',
    headers: {
      ...message.headers,
      [DEAD_LETTER_HEADERS.error]: failure.message.slice(0, MAX_ERROR_LENGTH),
      [DEAD_LETTER_HEADERS.errorType]: failure.name,
      [DEAD_LETTER_HEADERS.originalTopic]: message.topic,
      [DEAD_LETTER_HEADERS.originalPartition]: String(message.partition),
      [DEAD_LETTER_HEADERS.originalOffset]: message.offset,
      [DEAD_LETTER_HEADERS.consumerGroup]: consumerGroup,
      [DEAD_LETTER_HEADERS.failedAt]: failedAt.toISOString(),
    },
  };
}

/**
 * The dead letter of a stored event that never was a message: the relay could not publish it, or a
 * consumer reading the store gave up on it. Where the event still makes an envelope, the record
 * carries it as the relay would have published it, so it can be replayed onto `originalTopic`.
 */
export function toStoredEventDeadLetter(
  event: RecordedEvent,
  error: unknown,
  origin: { readonly originalTopic: string; readonly consumerGroup?: string },
  failedAt: Date,
): OutgoingMessage {
  const failure = error instanceof Error ? error : new Error(String(error));
  const message = asPublished(event);
  return {
    topic: deadLetterTopicOf(origin.originalTopic),
    key: event.streamId,
    value: message?.value ?? JSON.stringify(event.data ?? null),
    headers: {
      ...message?.headers,
      [DEAD_LETTER_HEADERS.error]: failure.message.slice(0, MAX_ERROR_LENGTH),
      [DEAD_LETTER_HEADERS.errorType]: failure.name,
      [DEAD_LETTER_HEADERS.originalTopic]: origin.originalTopic,
      ...(origin.consumerGroup ? { [DEAD_LETTER_HEADERS.consumerGroup]: origin.consumerGroup } : {}),
      [DEAD_LETTER_HEADERS.failedAt]: failedAt.toISOString(),
      [DEAD_LETTER_HEADERS.eventId]: event.id,
      [DEAD_LETTER_HEADERS.eventType]: event.type,
      [DEAD_LETTER_HEADERS.streamId]: event.streamId,
      [DEAD_LETTER_HEADERS.position]: event.position.toString(),
    },
  };
}

function asPublished(event: RecordedEvent): { value: string; headers: MessageHeaders } | undefined {
  try {
    return toKafkaMessage(toEnvelope(event));
  } catch {
    return undefined; // what made it a dead letter; the headers above say why
  }
}
