import { randomUUID } from 'node:crypto';
import { KAFKA_HEADERS, LEADS_LIFECYCLE_TOPIC, eventTypeOf, leadStreamId } from '@leadledger/contracts';
import {
  openEventStorage,
  type CheckpointStore,
  type EventStorage,
  type GlobalPosition,
} from '@leadledger/eventstore';
import { dropSchema, testKafkaBrokers, testPostgresUrl, uniqueSchemaName } from '@leadledger/testing';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaMessageBus } from '../kafka/kafka-message-bus';
import { EventRelay } from './event-relay';

/** Dies (throws) on the n-th save: after the bus acknowledged a batch, before its checkpoint is kept. */
class CrashingCheckpoints implements CheckpointStore {
  private saves = 0;

  constructor(
    private readonly inner: CheckpointStore,
    private readonly crashOnSave: number,
  ) {}

  load(name: string): Promise<GlobalPosition | undefined> {
    return this.inner.load(name);
  }

  async save(name: string, position: GlobalPosition): Promise<void> {
    if (++this.saves === this.crashOnSave) throw new Error('relay process killed before its checkpoint');
    await this.inner.save(name, position);
  }
}

describe('EventRelay on PostgreSQL and Kafka', () => {
  const schema = uniqueSchemaName('relay');
  let storage: EventStorage;
  let bus: KafkaMessageBus;
  let kafka: Kafka;

  beforeAll(async () => {
    storage = await openEventStorage(`${await testPostgresUrl()}?schema=${schema}`);
    const brokers = await testKafkaBrokers();
    bus = new KafkaMessageBus({ clientId: 'relay-spec', brokers });
    kafka = new Kafka({ clientId: 'relay-spec-reader', brokers, logLevel: logLevel.WARN });
  });

  afterAll(async () => {
    await bus?.close();
    await storage?.close();
    await dropSchema(await testPostgresUrl(), schema);
  });

  it('killed mid-stream and restarted, publishes every event at least once, in order per stream', async () => {
    const streams = Array.from({ length: 30 }, () => randomUUID());
    const appended = new Map<string, string[]>();
    for (let round = 0; round < 10; round++) {
      for (const leadId of streams) {
        const id = randomUUID();
        const activity = 'page_view';
        await storage.events.append(
          leadStreamId(leadId),
          [
            {
              id,
              type: eventTypeOf('LeadEngagementRecorded'),
              data: { leadId, activity },
              metadata: metadataOf(),
            },
          ],
          { expectedRevision: 'any' },
        );
        appended.set(leadId, [...(appended.get(leadId) ?? []), id]);
      }
    }
    const relayName = `relay-${randomUUID()}`;
    const options = { name: relayName, batchSize: 25, restartDelayMs: 10 };

    // First life: killed between an acknowledged publish and its checkpoint, three batches in.
    const firstLife = new AbortController();
    const crashing = new EventRelay(storage.events, new CrashingCheckpoints(storage.checkpoints, 3), bus, {
      ...options,
      observer: { onFailure: () => firstLife.abort() },
    });
    await crashing.run(firstLife.signal);
    // Second life: stopped at an arbitrary moment mid-stream.
    const secondLife = new AbortController();
    const interrupted = new EventRelay(storage.events, storage.checkpoints, bus, {
      ...options,
      observer: { onRelayed: (_n, _m, position) => position > 120n && secondLife.abort() },
    });
    await interrupted.run(secondLife.signal);
    // Third life: runs until everything is out.
    const thirdLife = new AbortController();
    const finishing = new EventRelay(storage.events, storage.checkpoints, bus, options);
    const running = finishing.run(thirdLife.signal);

    const published = await readUntil(kafka, streams, 300);
    thirdLife.abort();
    await running;

    for (const leadId of streams) {
      const firstSeen = [...new Set(published.get(leadStreamId(leadId)) ?? [])];
      expect(firstSeen).toEqual(appended.get(leadId));
    }
    // The batch acknowledged before the first death was published again: at least once, not at most.
    const total = [...published.values()].reduce((sum, ids) => sum + ids.length, 0);
    expect(total).toBeGreaterThan(300);
  }, 90_000);
});

function metadataOf() {
  return {
    correlationId: randomUUID(),
    causationId: randomUUID(),
    actor: 'system:relay-spec',
    occurredAt: new Date().toISOString(),
    source: '/leadledger/relay-spec',
  };
}

/** Reads the lifecycle topic until every event of these streams arrived once (repeats are kept, for the count). */
async function readUntil(
  kafka: Kafka,
  leadIds: readonly string[],
  distinct: number,
): Promise<Map<string, string[]>> {
  const wanted = new Set(leadIds.map(leadStreamId));
  const seen = new Map<string, string[]>();
  const consumer = kafka.consumer({ groupId: `relay-spec-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: LEADS_LIFECYCLE_TOPIC, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${countDistinct(seen)} of ${distinct} events arrived`)),
        60_000,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          const key = message.key?.toString() ?? '';
          if (!wanted.has(key)) return;
          seen.set(key, [...(seen.get(key) ?? []), message.headers?.[KAFKA_HEADERS.id]?.toString() ?? '']);
          if (countDistinct(seen) >= distinct) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

function countDistinct(seen: Map<string, string[]>): number {
  return [...seen.values()].reduce((sum, ids) => sum + new Set(ids).size, 0);
}
