import { DEAD_LETTER_HEADERS } from './dead-letter';
import { deliverBatch, type DeliverBatchOptions } from './deliver-batch';
import { PermanentMessageError, type IncomingMessage, type OutgoingMessage } from './message-bus.port';

const message = (offset: number, value: string): IncomingMessage => ({
  topic: 'leadledger.leads.inbound',
  partition: 2,
  offset: String(offset),
  key: `lead-${offset}`,
  value,
  headers: { ce_id: `id-${offset}` },
  timestamp: new Date('2026-01-01T00:00:00Z'),
});

function harness(handle: (values: string[]) => void) {
  const handled: string[][] = [];
  const deadLetters: OutgoingMessage[] = [];
  const sleeps: number[] = [];
  const options: DeliverBatchOptions = {
    handleBatch: async (batch) => {
      const values = batch.map((m) => m.value ?? '');
      handle(values);
      handled.push(values);
    },
    retry: { attempts: 3, initialDelayMs: 100, maxDelayMs: 250 },
    consumerGroup: 'lead-capture',
    context: { heartbeat: async () => undefined },
    publishDeadLetters: async (messages) => void deadLetters.push(...messages),
    sleep: async (ms) => void sleeps.push(ms),
    now: () => new Date('2026-11-23T10:00:00Z'),
  };
  return { options, handled, deadLetters, sleeps };
}

describe('deliverBatch', () => {
  it('hands a healthy batch over once, whole', async () => {
    const { options, handled, deadLetters } = harness(() => undefined);

    await deliverBatch([message(1, 'a'), message(2, 'b')], options);

    expect(handled).toEqual([['a', 'b']]);
    expect(deadLetters).toEqual([]);
  });

  it('retries a failing batch with capped exponential backoff before giving up on it', async () => {
    let failures = 2;
    const { options, handled, sleeps } = harness(() => {
      if (failures-- > 0) throw new Error('store busy');
    });

    await deliverBatch([message(1, 'a')], options);

    expect(sleeps).toEqual([100, 200]);
    expect(handled).toEqual([['a']]);
  });

  it('keeps the consumer alive with a heartbeat before each retry, and reports each retry', async () => {
    let failures = 2;
    const steps: string[] = [];
    const { options } = harness(() => {
      steps.push('handle');
      if (failures-- > 0) throw new Error('store busy');
    });

    await deliverBatch([message(1, 'a')], {
      ...options,
      context: { heartbeat: async () => void steps.push('heartbeat') },
      observer: { onRetry: (_batch, attempt) => steps.push(`retry:${attempt}`) },
    });

    expect(steps).toEqual(['handle', 'retry:1', 'heartbeat', 'handle', 'retry:2', 'heartbeat', 'handle']);
  });

  it('gives up without a dead letter when the heartbeat fails (the consumer is stopping): the batch stays uncommitted', async () => {
    const { options, deadLetters } = harness(() => {
      throw new Error('store busy');
    });
    const stopped = new Error('consumer stopped');

    await expect(
      deliverBatch([message(1, 'a'), message(2, 'b')], {
        ...options,
        context: {
          heartbeat: async () => {
            throw stopped;
          },
        },
      }),
    ).rejects.toBe(stopped);
    expect(deadLetters).toEqual([]);
  });

  it('isolates a poison message: the others are handled in order, the poison is dead-lettered with why and where', async () => {
    const { options, handled, deadLetters } = harness((values) => {
      if (values.includes('poison')) throw new Error('cannot parse');
    });

    await deliverBatch([message(7, 'a'), message(8, 'poison'), message(9, 'c')], options);

    expect(handled).toEqual([['a'], ['c']]);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({
      topic: 'leadledger.leads.inbound.dlq',
      key: 'lead-8',
      value: 'poison',
      headers: {
        ce_id: 'id-8',
        [DEAD_LETTER_HEADERS.error]: 'cannot parse',
        [DEAD_LETTER_HEADERS.errorType]: 'Error',
        [DEAD_LETTER_HEADERS.originalTopic]: 'leadledger.leads.inbound',
        [DEAD_LETTER_HEADERS.originalPartition]: '2',
        [DEAD_LETTER_HEADERS.originalOffset]: '8',
        [DEAD_LETTER_HEADERS.consumerGroup]: 'lead-capture',
        [DEAD_LETTER_HEADERS.failedAt]: '2026-11-23T10:00:00.000Z',
      },
    });
  });

  it('dead-letters a permanent error at once, without retrying it', async () => {
    const { options, deadLetters, sleeps } = harness(() => {
      throw new PermanentMessageError('email: must be an email');
    });

    await deliverBatch([message(1, '{"email":"nope"}')], options);

    expect(sleeps).toEqual([]);
    expect(deadLetters.map((d) => d.headers[DEAD_LETTER_HEADERS.errorType])).toEqual([
      'PermanentMessageError',
    ]);
  });

  it('fails, so nothing is committed, when the dead letter itself cannot be stored', async () => {
    const { options } = harness(() => {
      throw new PermanentMessageError('bad');
    });

    await expect(
      deliverBatch([message(1, 'x')], {
        ...options,
        publishDeadLetters: async () => {
          throw new Error('broker down');
        },
      }),
    ).rejects.toThrow('broker down');
  });
});
