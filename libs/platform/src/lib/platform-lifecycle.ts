import type { EventStorage } from '@leadledger/eventstore';
import { EventRelay, type MessageBus } from '@leadledger/messaging';
import { LeadledgerMetrics, ReadinessRegistry } from '@leadledger/observability';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { EventStore } from '@leadledger/eventstore';
import type { PlatformConfig } from './platform-config';
import { EVENT_STORAGE, EVENT_STORE, MESSAGE_BUS, PLATFORM_CONFIG } from './tokens';

/**
 * Starts and stops what a service stands on: registers the store and bus as readiness probes, runs
 * the relay when this process is the one that publishes, and closes everything in order on shutdown
 * (relay first, so nothing publishes into a closed bus; the store last).
 */
@Injectable()
export class PlatformLifecycle implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('Platform');
  private readonly relayStop = new AbortController();
  private relayRun: Promise<void> | undefined;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(EVENT_STORAGE) private readonly storage: EventStorage,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    readiness: ReadinessRegistry,
    private readonly metrics: LeadledgerMetrics,
  ) {
    readiness.register({ name: 'eventstore', ping: () => storage.events.ping() });
    readiness.register({ name: 'messagebus', ping: () => bus.ping() });
  }

  onApplicationBootstrap(): void {
    if (!this.config.relay) return;
    if (!this.config.kafkaBrokers) {
      // Embedded: lifecycle consumers read the store from their own checkpoints (see
      // ManagedLifecycleConsumer); relaying into an in-memory bus would only lose what it holds.
      this.logger.log('no relay: without Kafka, lifecycle consumers read the event store directly');
      return;
    }
    const relay = new EventRelay(this.store, this.storage.checkpoints, this.bus, {
      name: 'lifecycle',
      observer: {
        // Publishes are counted by the bus's own observer; the relay adds how far it got.
        onRelayed: (name, _messages, position, newest) =>
          this.metrics.recordRelayProgress(name, position, newest),
        onUnpublishable: (name, event, error) =>
          this.logger.error(
            { relay: name, eventId: event.id, streamId: event.streamId, error: String(error) },
            'event cannot be published; dead-lettered',
          ),
        onFailure: (name, error) =>
          this.logger.warn(
            { relay: name, error: String(error) },
            'relay failed; resuming from its checkpoint',
          ),
      },
    });
    this.relayRun = relay.run(this.relayStop.signal);
    this.logger.log(`relay publishing ${this.config.eventStoreUrl.split('://')[0]} events to Kafka`);
  }

  async onModuleDestroy(): Promise<void> {
    this.relayStop.abort();
    await this.relayRun;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
    await this.storage.close();
  }
}
