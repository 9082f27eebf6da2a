import { fromKafkaHeaders, lifecycleTopicOf } from '@leadledger/contracts';
import type { Consumption, IncomingMessage, MessageBus, RetryPolicy } from '../message-bus.port';
import {
  groupByStream,
  readLifecycleEvent,
  type LifecycleConsumer,
  type LifecycleEvent,
} from './lifecycle-consumer';

export interface LifecycleFromBusOptions {
  /** Tries per batch (and per isolated message) before a message is dead-lettered; the bus's default otherwise. */
  readonly retry?: RetryPolicy;
  /** A new group starts at the oldest retained event (default) rather than only new ones. */
  readonly fromBeginning?: boolean;
}

/**
 * Consumes `consumer.category`'s lifecycle topic as consumer group `consumer.name`. A message that
 * cannot be read as a lifecycle event fails with a PermanentMessageError, so the bus dead-letters
 * it alone (to `<topic>.dlq`) and the rest of its batch is handled; a failing handle() is retried
 * by the bus, then narrowed down to the message at fault, which is dead-lettered.
 */
export function consumeLifecycleFromBus(
  bus: MessageBus,
  consumer: LifecycleConsumer,
  options: LifecycleFromBusOptions = {},
): Promise<Consumption> {
  return bus.consume({
    groupId: consumer.name,
    topics: [lifecycleTopicOf(consumer.category)],
    retry: options.retry,
    fromBeginning: options.fromBeginning,
    handleBatch: async (batch, context) => {
      const events = batch.flatMap((message) => {
        const event = readMessage(consumer, message);
        return event ? [event] : [];
      });
      if (events.length > 0) await consumer.handle(groupByStream(events), context);
    },
  });
}

function readMessage(consumer: LifecycleConsumer, message: IncomingMessage): LifecycleEvent | undefined {
  return readLifecycleEvent(consumer, () => fromKafkaHeaders(message.headers, message.value));
}
