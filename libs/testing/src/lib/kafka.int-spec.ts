import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type Consumer, type Producer } from 'kafkajs';
import { testKafkaBrokers } from './kafka';

describe('Kafka test broker (smoke)', () => {
  let kafka: Kafka;
  let producer: Producer;
  let consumer: Consumer;
  const topic = `leadledger.smoke.${randomUUID()}`;

  beforeAll(async () => {
    kafka = new Kafka({
      clientId: 'leadledger-smoke',
      brokers: await testKafkaBrokers(),
      logLevel: logLevel.WARN,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    consumer = kafka.consumer({ groupId: `smoke-${randomUUID()}` });
    await Promise.all([producer.connect(), consumer.connect()]);
  });

  afterAll(async () => {
    await Promise.allSettled([producer?.disconnect(), consumer?.disconnect()]);
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('produces with an idempotent producer and consumes the same records, keys, headers and per-key order', async () => {
    const sent = ['lead-a', 'lead-b', 'lead-a', 'lead-c', 'lead-a'].map((key, i) => ({
      key,
      value: JSON.stringify({ seq: i }),
      headers: { ce_type: 'leadledger.smoke.v1', ce_id: randomUUID() },
    }));
    const received: Array<{ key: string; seq: number; type: string; partition: number }> = [];
    await consumer.subscribe({ topic, fromBeginning: true });
    let allReceived!: () => void;
    const receivedAll = new Promise<void>((resolve) => (allReceived = resolve));
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        received.push({
          key: message.key?.toString() ?? '',
          seq: JSON.parse(message.value?.toString() ?? '{}').seq,
          type: message.headers?.ce_type?.toString() ?? '',
          partition,
        });
        if (received.length === sent.length) allReceived();
      },
    });

    await producer.send({ topic, acks: -1, messages: sent });
    await receivedAll;

    expect(received.map((r) => r.seq).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(received.map((r) => r.type))).toEqual(new Set(['leadledger.smoke.v1']));
    const leadA = received.filter((r) => r.key === 'lead-a');
    expect(leadA.map((r) => r.seq)).toEqual([0, 2, 4]);
    expect(new Set(leadA.map((r) => r.partition)).size).toBe(1);
  });
});
