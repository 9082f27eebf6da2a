import { deadLetterTopicOf } from '@leadledger/contracts';
import type { IncomingMessage, OutgoingMessage } from './message-bus.port';

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
