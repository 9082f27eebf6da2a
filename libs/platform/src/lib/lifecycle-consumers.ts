import { lifecycleTopicOf } from '@leadledger/contracts';
import type { CheckpointStore, EventStore } from '@leadledger/eventsourcing';
import {
  consumeLifecycleFromBus,
  consumeLifecycleFromStore,
  type Consumption,
  type LifecycleConsumer,
  type MessageBus,
} from '@leadledger/messaging';
import { LeadledgerMetrics } from '@leadledger/observability';
import {
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type Provider,
  type Type,
} from '@nestjs/common';
import { DeadLetterArchive } from './dead-letters/dead-letter-archive';
import type { PlatformConfig } from './platform-config';
import { CHECKPOINT_STORE, EVENT_STORE, MESSAGE_BUS, PLATFORM_CONFIG } from './tokens';

/**
 * A module's lifecycle consumer, run for as long as the application, as its own consumer group.
 *
 * Where it reads: with Kafka, the relay's lifecycle topic (consumer group = the consumer's name);
 * in the embedded pipeline, the event store itself, from the consumer's own checkpoint. The embedded
 * pipeline has no broker to keep a message safe between the relay and a consumer, so reading the
 * store (which is durable, ordered and already holds every event) is both simpler and stronger than
 * relaying into an in-memory bus: a crash loses nothing, and nothing is published only to be read
 * back in the same process. Dead letters go to the bus either way (`<topic>.dlq`).
 */
export class ManagedLifecycleConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: Logger;
  private consumption?: Consumption;

  constructor(
    private readonly consumer: LifecycleConsumer,
    private readonly config: PlatformConfig,
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly bus: MessageBus,
    private readonly metrics: LeadledgerMetrics,
  ) {
    this.logger = new Logger(`Consumer:${consumer.name}`);
  }

  async onApplicationBootstrap(): Promise<void> {
    const topic = lifecycleTopicOf(this.consumer.category);
    if (this.config.kafkaBrokers) {
      this.consumption = await consumeLifecycleFromBus(this.bus, this.consumer);
      this.logger.log(`consuming ${topic} as group ${this.consumer.name}`);
      return;
    }
    this.consumption = consumeLifecycleFromStore(this.store, this.checkpoints, this.consumer, {
      deadLetters: this.bus,
      observer: {
        onRetry: (consumer, attempt, error) => {
          this.metrics.recordRetry(topic);
          this.logger.warn({ consumer, attempt, error: String(error) }, 'handling failed; retrying');
        },
        onDeadLettered: (consumer, events, error) => {
          for (const event of events) this.metrics.recordDeadLettered(topic, event.type);
          this.logger.error(
            {
              consumer,
              events: events.map(({ id, type, streamId }) => ({ id, type, streamId })),
              error: String(error),
            },
            'events dead-lettered; the consumer moved on',
          );
        },
        onFailure: (consumer, error) =>
          this.logger.warn(
            { consumer, error: String(error) },
            'consumer failed; resuming from its checkpoint',
          ),
      },
    });
    this.logger.log(`consuming ${topic} events from the event store, checkpointed`);
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumption?.stop();
  }
}

/** Provides `consumer` (built from the injected dependencies) as a ManagedLifecycleConsumer under `token`. */
export function provideLifecycleConsumer(
  token: symbol,
  options: {
    readonly inject: readonly (symbol | Type)[];
    readonly consumer: (...dependencies: never[]) => LifecycleConsumer;
  },
): Provider {
  return {
    provide: token,
    inject: [
      PLATFORM_CONFIG,
      EVENT_STORE,
      CHECKPOINT_STORE,
      MESSAGE_BUS,
      LeadledgerMetrics,
      DeadLetterArchive,
      ...options.inject,
    ],
    useFactory: (
      config: PlatformConfig,
      store: EventStore,
      checkpoints: CheckpointStore,
      bus: MessageBus,
      metrics: LeadledgerMetrics,
      deadLetters: DeadLetterArchive,
      ...dependencies: never[]
    ) => {
      const consumer = options.consumer(...dependencies);
      // So its dead letters can be handed back to it once the cause is fixed.
      deadLetters.register(consumer);
      return new ManagedLifecycleConsumer(consumer, config, store, checkpoints, bus, metrics);
    },
  };
}
