import { Socket } from 'node:net';
import { dockerAvailable } from './docker';
import { runRepoScript } from './repo-scripts';

const LOCAL_BROKER = '127.0.0.1:9092';
let resolved: Promise<string[]> | undefined;

/**
 * Kafka brokers for integration tests: `KAFKA_BROKERS` (comma-separated) when set, else a
 * testcontainer where Docker runs, else the broker scripts/kafka.sh runs from Maven Central jars.
 * Never a skip: if no broker answers, this rejects and the test fails.
 */
export function testKafkaBrokers(): Promise<string[]> {
  resolved ??= resolveKafkaBrokers();
  return resolved;
}

async function resolveKafkaBrokers(): Promise<string[]> {
  const fromEnvironment = process.env.KAFKA_BROKERS;
  if (fromEnvironment) {
    const brokers = fromEnvironment
      .split(',')
      .map((broker) => broker.trim())
      .filter(Boolean);
    await assertBrokersAnswer(brokers, 'KAFKA_BROKERS');
    return brokers;
  }
  if (dockerAvailable()) {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const container = await new KafkaContainer('confluentinc/cp-kafka:7.7.1').withKraft().start();
    return [`${container.getHost()}:${container.getMappedPort(9093)}`];
  }
  await runRepoScript('kafka', ['start']);
  await assertBrokersAnswer([LOCAL_BROKER], 'scripts/kafka.sh');
  return [LOCAL_BROKER];
}

async function assertBrokersAnswer(brokers: readonly string[], origin: string): Promise<void> {
  const answers = await Promise.all(brokers.map((broker) => tcpAnswers(broker, 5_000)));
  if (!answers.some(Boolean)) {
    throw new Error(`no Kafka broker from ${origin} (${brokers.join(', ')}) accepts connections`);
  }
}

function tcpAnswers(address: string, timeoutMs: number): Promise<boolean> {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(separator + 1));
  return new Promise((resolve) => {
    const socket = new Socket();
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.connect(port, host, () => finish(true));
  });
}

/**
 * Creates topics a test reads before anything was published to them: on a fresh broker, subscribing
 * to a topic that does not exist yet races its automatic creation and fails.
 */
export async function ensureTopics(
  brokers: readonly string[],
  topics: readonly string[],
  partitions = 3,
): Promise<void> {
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({
    clientId: 'leadledger-test-admin',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({
        topics: missing.map((topic) => ({ topic, numPartitions: partitions })),
        waitForLeaders: true,
      });
    }
  } finally {
    await admin.disconnect();
  }
}

export interface ReceivedMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
  readonly headers: Record<string, string>;
}

export interface TopicRecorder {
  /** Everything received so far, in arrival order; grows while the recorder runs. */
  readonly received: ReceivedMessage[];
  stop(): Promise<void>;
}

/** Reads topics from their beginning in a group of its own, keeping every message, for tests to look through. */
export async function recordTopics(
  brokers: readonly string[],
  topics: readonly string[],
): Promise<TopicRecorder> {
  const { Kafka, logLevel } = await import('kafkajs');
  await ensureTopics(brokers, topics);
  const consumer = new Kafka({
    clientId: 'leadledger-test-recorder',
    brokers: [...brokers],
    logLevel: logLevel.WARN,
  }).consumer({
    groupId: `test-recorder-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  });
  const received: ReceivedMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      received.push({
        topic,
        key: message.key?.toString() ?? '',
        value: message.value?.toString() ?? '',
        headers: Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([name, value]) => [name, value?.toString() ?? '']),
        ),
      });
    },
  });
  return { received, stop: () => consumer.disconnect() };
}
