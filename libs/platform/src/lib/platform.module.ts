import { systemClock } from '@leadledger/contracts';
import { openEventStorage, type EventStorage } from '@leadledger/eventstore';
import { InProcessMessageBus, KafkaMessageBus, type MessageBus } from '@leadledger/messaging';
import { LeadledgerMetrics } from '@leadledger/observability';
import { Global, Logger, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { DomainErrorFilter } from './http/domain-error.filter';
import { readModelDatabaseProvider } from './read-models';
import { CountingEventStore } from './counting-event-store';
import type { PlatformConfig } from './platform-config';
import { PlatformLifecycle } from './platform-lifecycle';
import {
  CHECKPOINT_STORE,
  CLOCK,
  EVENT_STORAGE,
  EVENT_STORE,
  MESSAGE_BUS,
  PLATFORM_CONFIG,
  READ_MODELS,
  SERVICE_ENVIRONMENT,
} from './tokens';

/**
 * What every service stands on, from its configuration: the event store chosen by EVENT_STORE, the
 * bus (Kafka when KAFKA_BROKERS is set, else in-process), the clock, and the relay when this
 * process runs it. Global, so service modules inject the tokens without importing it.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(config: PlatformConfig, env: NodeJS.ProcessEnv): DynamicModule {
    return {
      module: PlatformModule,
      providers: [
        { provide: PLATFORM_CONFIG, useValue: config },
        { provide: SERVICE_ENVIRONMENT, useValue: Object.freeze({ ...env }) },
        {
          provide: EVENT_STORAGE,
          useFactory: (): Promise<EventStorage> => {
            const logger = new Logger('EventStore');
            return openEventStorage(config.eventStoreUrl, {
              onSubscriptionDropped: (error) =>
                logger.warn({ error: String(error) }, 'subscription dropped; resuming'),
            });
          },
        },
        {
          provide: EVENT_STORE,
          inject: [EVENT_STORAGE, LeadledgerMetrics],
          useFactory: (storage: EventStorage, metrics: LeadledgerMetrics) =>
            new CountingEventStore(storage.events, (eventType, count) =>
              metrics.recordAppended(eventType, count),
            ),
        },
        {
          provide: CHECKPOINT_STORE,
          inject: [EVENT_STORAGE],
          useFactory: (storage: EventStorage) => storage.checkpoints,
        },
        {
          provide: MESSAGE_BUS,
          inject: [LeadledgerMetrics],
          useFactory: (metrics: LeadledgerMetrics): MessageBus => {
            const observer = metrics.messagingObserver(config.service);
            return config.kafkaBrokers
              ? new KafkaMessageBus({
                  clientId: `leadledger-${config.service}`,
                  brokers: config.kafkaBrokers,
                  observer,
                })
              : new InProcessMessageBus({ observer });
          },
        },
        { provide: CLOCK, useValue: systemClock },
        { provide: APP_FILTER, useClass: DomainErrorFilter },
        readModelDatabaseProvider,
        PlatformLifecycle,
      ],
      exports: [
        PLATFORM_CONFIG,
        SERVICE_ENVIRONMENT,
        READ_MODELS,
        EVENT_STORAGE,
        EVENT_STORE,
        CHECKPOINT_STORE,
        MESSAGE_BUS,
        CLOCK,
      ],
    };
  }
}
