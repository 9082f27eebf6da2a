import { systemClock, type Clock } from '@leadledger/contracts';
import { maskQuotedText } from '@leadledger/eventsourcing';
import { openEventStorage, type EventStorage, type EventStore } from '@leadledger/eventstore';
import {
  InProcessMessageBus,
  KafkaMessageBus,
  type MessageBus,
  type MessagingObserver,
} from '@leadledger/messaging';
import { LeadledgerMetrics } from '@leadledger/observability';
import {
  Global,
  Logger,
  Module,
  RequestMethod,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { TokenVerifier } from '@leadledger/access';
import { HttpErrorFilter } from './http/http-error.filter';
import { interactiveRequests } from './http/interactive-requests';
import { DeadLetterArchive } from './dead-letters/dead-letter-archive';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { readAccessConfig, type AccessConfig } from './access/access-config';
import { AccessGuard } from './access/access.guard';
import { AccessLifecycle } from './access/access-lifecycle';
import { ApiKeyRegistry } from './access/api-key-registry';
import { ApiKeysController } from './access/api-keys.controller';
import { apiKeysProjection } from './access/api-keys.projection';
import { ACCESS_CONFIG, ACCESS_PROJECTIONS, TOKEN_VERIFIER } from './access/access.tokens';
import { ResourceOwners } from './access/resource-owners';
import { provideProjections, readModelDatabaseProvider, type ReadModelDatabase } from './read-models';
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
export class PlatformModule implements NestModule {
  static forRoot(config: PlatformConfig, env: NodeJS.ProcessEnv): DynamicModule {
    return {
      module: PlatformModule,
      imports: [DiscoveryModule],
      controllers: [DeadLettersController, ApiKeysController],
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
            const observer = loggingDeadLetters(metrics.messagingObserver(config.service));
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
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        readModelDatabaseProvider,
        {
          provide: DeadLetterArchive,
          inject: [MESSAGE_BUS, READ_MODELS, EVENT_STORE],
          useFactory: (bus: MessageBus, readModels: ReadModelDatabase, store: EventStore) =>
            new DeadLetterArchive(bus, readModels, store, !config.kafkaBrokers),
        },
        PlatformLifecycle,
        { provide: ACCESS_CONFIG, useFactory: () => readAccessConfig(env, config.eventStoreUrl) },
        {
          provide: TOKEN_VERIFIER,
          inject: [ACCESS_CONFIG],
          useFactory: (access: AccessConfig) =>
            access.tokens ? new TokenVerifier(access.tokens) : undefined,
        },
        {
          provide: ApiKeyRegistry,
          inject: [EVENT_STORE, CLOCK],
          useFactory: (store: EventStore, clock: Clock) => new ApiKeyRegistry(store, clock),
        },
        provideProjections(ACCESS_PROJECTIONS, 'access', [apiKeysProjection]),
        ResourceOwners,
        ThrottlerStorageService,
        AccessGuard,
        AccessLifecycle,
      ],
      exports: [
        PLATFORM_CONFIG,
        SERVICE_ENVIRONMENT,
        READ_MODELS,
        DeadLetterArchive,
        EVENT_STORAGE,
        EVENT_STORE,
        CHECKPOINT_STORE,
        MESSAGE_BUS,
        CLOCK,
        ResourceOwners,
        AccessGuard,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(interactiveRequests).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}

/**
 * Every dead letter is counted (the metrics observer) and logged, on either bus: on the in-process
 * bus nothing else would ever show it. The line names where the message came from and why it was
 * given up, never its content; quoted fragments of the reason are masked (maskQuotedText).
 */
function loggingDeadLetters(observer: MessagingObserver): MessagingObserver {
  const logger = new Logger('DeadLetters');
  return {
    ...observer,
    onDeadLettered: (message, error) => {
      observer.onDeadLettered?.(message, error);
      const failure = error instanceof Error ? error : new Error(String(error));
      logger.error(
        {
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
          errorType: failure.name,
          reason: maskQuotedText(failure.message).slice(0, 500),
        },
        'message dead-lettered',
      );
    },
  };
}
