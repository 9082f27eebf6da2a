import type { DeliveryObserver } from './deliver-batch';
import type { IncomingMessage, OutgoingMessage } from './message-bus.port';

/**
 * What a bus adapter reports as it works, so libs/observability can turn it into prom-client
 * metrics without messaging depending on prom-client. Every hook is optional. Hooks run inline on
 * the delivery path, so they must be cheap and must not throw.
 */
export interface MessagingObserver extends DeliveryObserver {
  /** After the messages are stored (Kafka: acknowledged by all in-sync replicas). */
  onPublished?(messages: readonly OutgoingMessage[]): void;
  /** After one partition's batch was handled or dead-lettered; the duration includes retries. */
  onConsumed?(batch: readonly IncomingMessage[], durationSeconds: number, consumerGroup: string): void;
  /** Messages of the partition the group has not yet handled, measured after each batch. */
  onLag?(topic: string, partition: number, lag: number, consumerGroup: string): void;
  /** A consumer failed outside the handler (e.g. a lost broker); the adapter restarts it if it can. */
  onConsumerError?(consumerGroup: string, error: unknown): void;
}
