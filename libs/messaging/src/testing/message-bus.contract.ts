import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from '@jest/globals';
import { eventually } from '@leadledger/testing';
import { DEAD_LETTER_HEADERS, deadLetterTopicOf } from '../lib/dead-letter';
import {
  PermanentMessageError,
  type ConsumeOptions,
  type Consumption,
  type IncomingMessage,
  type MessageBus,
  type OutgoingMessage,
  type RetryPolicy,
} from '../lib/message-bus.port';

export interface MessageBusContractSubject {
  /** A new bus for one test; the suite closes it afterwards. */
  createBus(): Promise<MessageBus>;
  /**
   * A topic name no other test (or earlier run, on a broker that keeps its topics) has used;
   * `label` says what the test uses it for. A prefix and a random suffix by default.
   */
  newTopic?(label: string): string;
  /** Per test; a real broker needs seconds for each group to join. */
  readonly testTimeoutMs?: number;
  /** How long an expected outcome may take to show. */
  readonly eventuallyTimeoutMs?: number;
}

/** Quick enough for tests, and without jitter so a test's timing does not vary by chance. */
export const CONTRACT_RETRY: RetryPolicy = { attempts: 3, initialDelayMs: 20, maxDelayMs: 50 };

/**
 * What every MessageBus adapter guarantees, so code written against the port, and its tests, work
 * on each of them: the Kafka adapter's int-spec and the in-process adapter's spec both run it.
 * Nothing here may lean on what only one adapter does (say, handling before publish() resolves):
 * outcomes are awaited with `eventually`.
 */
export function messageBusContract(name: string, subject: MessageBusContractSubject): void {
  describe(`${name} (MessageBus contract)`, () => {
    const timeout = subject.testTimeoutMs ?? 30_000;
    const buses: MessageBus[] = [];
    const consumptions: Consumption[] = [];

    const newTopic = (label: string): string =>
      subject.newTopic?.(label) ?? `leadledger.contract.${label}.${randomUUID().slice(0, 8)}`;
    const newGroup = (label: string): string => `contract-${label}-${randomUUID().slice(0, 8)}`;
    const until = <T>(find: () => T | undefined | Promise<T | undefined>): Promise<T> =>
      eventually(find, subject.eventuallyTimeoutMs);
    const reached = (condition: () => boolean) => () => (condition() ? true : undefined);

    async function newBus(): Promise<MessageBus> {
      const bus = await subject.createBus();
      buses.push(bus);
      return bus;
    }

    async function consume(
      bus: MessageBus,
      options: Omit<ConsumeOptions, 'retry'> & { retry?: RetryPolicy },
    ): Promise<Consumption> {
      const consumption = await bus.consume({ retry: CONTRACT_RETRY, ...options });
      consumptions.push(consumption);
      return consumption;
    }

    /** A consumer that keeps the values it handled, in order. */
    function recording(into: string[]): ConsumeOptions['handleBatch'] {
      return async (batch) => void into.push(...batch.map((message) => message.value ?? ''));
    }

    afterEach(async () => {
      await Promise.allSettled(consumptions.splice(0).map((consumption) => consumption.stop()));
      await Promise.allSettled(buses.splice(0).map((bus) => bus.close()));
    });

    it(
      'keeps the order of each key, on one partition, with offsets growing per partition',
      async () => {
        const bus = await newBus();
        const topic = newTopic('order');
        const received: IncomingMessage[] = [];
        await consume(bus, {
          groupId: newGroup('order'),
          topics: [topic],
          handleBatch: async (batch) => void received.push(...batch),
        });
        const keys = ['lead-a', 'lead-b', 'lead-c', 'lead-d', 'lead-e'];
        const rounds = 6;

        for (let round = 0; round < rounds; round++) {
          await bus.publish(
            keys.map((key) => message(topic, key, `${key}:${round}`, { ce_id: `${key}-${round}` })),
          );
        }
        await until(reached(() => received.length >= keys.length * rounds));

        expect(received).toHaveLength(keys.length * rounds);
        for (const key of keys) {
          const ofKey = received.filter((m) => m.key === key);
          expect(ofKey.map((m) => m.value)).toEqual(
            Array.from({ length: rounds }, (_, round) => `${key}:${round}`),
          );
          expect(ofKey.map((m) => m.headers)).toEqual(
            Array.from({ length: rounds }, (_, round) => ({ ce_id: `${key}-${round}` })),
          );
          expect(new Set(ofKey.map((m) => m.partition)).size).toBe(1);
        }
        for (const partition of new Set(received.map((m) => m.partition))) {
          const offsets = received.filter((m) => m.partition === partition).map((m) => BigInt(m.offset));
          expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        }
        expect(received.every((m) => m.topic === topic && m.timestamp instanceof Date)).toBe(true);
      },
      timeout,
    );

    it(
      'gives every consumer group every message',
      async () => {
        const bus = await newBus();
        const topic = newTopic('groups');
        const scoring: string[] = [];
        const forecasting: string[] = [];
        await consume(bus, {
          groupId: newGroup('scoring'),
          topics: [topic],
          handleBatch: recording(scoring),
        });
        await consume(bus, {
          groupId: newGroup('forecasting'),
          topics: [topic],
          handleBatch: recording(forecasting),
        });
        const values = Array.from({ length: 20 }, (_, i) => `v${i}`);

        await bus.publish(values.map((value, i) => message(topic, `lead-${i}`, value)));
        await until(reached(() => scoring.length >= values.length && forecasting.length >= values.length));

        expect([...scoring].sort()).toEqual([...values].sort());
        expect([...forecasting].sort()).toEqual([...values].sort());
      },
      timeout,
    );

    it(
      "shares a group's partitions among its members, so the group handles each message once",
      async () => {
        const bus = await newBus();
        const topic = newTopic('members');
        const groupId = newGroup('shared');
        const first: string[] = [];
        const second: string[] = [];
        await consume(bus, { groupId, topics: [topic], handleBatch: recording(first) });
        await consume(bus, { groupId, topics: [topic], handleBatch: recording(second) });
        // Kafka hands partitions out while the members join; once both have handled something, the
        // assignment is settled and no rebalance can hand a batch to both.
        const warmUp = Array.from({ length: 30 }, (_, i) => message(topic, `warm-${i}`, `warm-${i}`));
        await until(async () => {
          await bus.publish(warmUp);
          await new Promise((resolve) => setTimeout(resolve, 200));
          return first.length > 0 && second.length > 0 ? true : undefined;
        });
        await until(reached(() => new Set([...first, ...second]).size >= warmUp.length));
        const values = Array.from({ length: 30 }, (_, i) => `v${i}`);

        await bus.publish(values.map((value, i) => message(topic, `lead-${i}`, value)));
        const handled = () => [...first, ...second].filter((value) => !value.startsWith('warm-'));
        await until(reached(() => handled().length >= values.length));
        await new Promise((resolve) => setTimeout(resolve, 200)); // room for a duplicate to show

        expect(handled().sort()).toEqual([...values].sort());
      },
      timeout,
    );

    it(
      'starts a new group at the oldest message with fromBeginning, and at new ones without',
      async () => {
        const bus = await newBus();
        const topic = newTopic('beginning');
        await bus.publish([message(topic, 'lead-1', 'early-1'), message(topic, 'lead-1', 'early-2')]);
        const fromBeginning: string[] = [];
        const onlyNew: string[] = [];

        await consume(bus, {
          groupId: newGroup('from-beginning'),
          topics: [topic],
          fromBeginning: true,
          handleBatch: recording(fromBeginning),
        });
        await consume(bus, {
          groupId: newGroup('only-new'),
          topics: [topic],
          fromBeginning: false,
          handleBatch: recording(onlyNew),
        });
        // A group starts "at the end" when it gets its partitions, which on Kafka is some time after
        // consume() resolved: publish until something arrives.
        let round = 0;
        await until(async () => {
          await bus.publish([message(topic, 'lead-1', `after-${round++}`)]);
          await new Promise((resolve) => setTimeout(resolve, 200));
          return onlyNew.length > 0 ? true : undefined;
        });
        await until(reached(() => fromBeginning.length >= 2 + round));

        expect(fromBeginning.slice(0, 2)).toEqual(['early-1', 'early-2']);
        expect(onlyNew.length).toBeGreaterThan(0);
        expect(onlyNew.every((value) => value.startsWith('after-'))).toBe(true);
      },
      timeout,
    );

    it(
      'retries a failing message, then dead-letters it to <topic>.dlq with why and where, and handles the rest of its batch',
      async () => {
        const bus = await newBus();
        const topic = newTopic('poison');
        const groupId = newGroup('poison');
        const handled: IncomingMessage[] = [];
        const poisonOffsets: string[] = [];
        const deadLetters: IncomingMessage[] = [];
        const startedAt = Date.now();
        await consume(bus, {
          groupId,
          topics: [topic],
          handleBatch: async (batch) => {
            const poison = batch.find((m) => m.value === 'poison');
            if (poison) {
              poisonOffsets.push(poison.offset);
              throw new Error('scoring rules unavailable');
            }
            handled.push(...batch);
          },
        });
        await consume(bus, {
          groupId: newGroup('dlq-inspector'),
          topics: [deadLetterTopicOf(topic)],
          handleBatch: async (batch) => void deadLetters.push(...batch),
        });

        await bus.publish(
          ['first', 'poison', 'next'].map((value) =>
            message(topic, 'lead-1', value, { ce_id: `id-${value}` }),
          ),
        );
        await until(reached(() => deadLetters.length >= 1 && handled.length >= 2));

        expect(handled.map((m) => m.value)).toEqual(['first', 'next']);
        // The batch's tries and the poison's own: every failure was retried before it was given up.
        expect(poisonOffsets.length).toBeGreaterThanOrEqual(CONTRACT_RETRY.attempts);
        expect(deadLetters).toHaveLength(1);
        const [deadLetter] = deadLetters;
        expect(deadLetter).toMatchObject({
          topic: deadLetterTopicOf(topic),
          key: 'lead-1',
          value: 'poison',
          headers: {
            ce_id: 'id-poison',
            [DEAD_LETTER_HEADERS.error]: 'scoring rules unavailable',
            [DEAD_LETTER_HEADERS.errorType]: 'Error',
            [DEAD_LETTER_HEADERS.originalTopic]: topic,
            [DEAD_LETTER_HEADERS.originalPartition]: String(handled[0].partition),
            [DEAD_LETTER_HEADERS.originalOffset]: poisonOffsets[0],
            [DEAD_LETTER_HEADERS.consumerGroup]: groupId,
          },
        });
        const failedAt = Date.parse(deadLetter.headers[DEAD_LETTER_HEADERS.failedAt]);
        expect(failedAt).toBeGreaterThanOrEqual(startedAt - 1_000);
      },
      timeout,
    );

    it(
      'dead-letters a PermanentMessageError at once, without retrying it',
      async () => {
        const bus = await newBus();
        const topic = newTopic('permanent');
        const tries: string[] = [];
        const deadLetters: IncomingMessage[] = [];
        await consume(bus, {
          groupId: newGroup('permanent'),
          topics: [topic],
          handleBatch: async (batch) => {
            tries.push(...batch.map((m) => m.value ?? ''));
            throw new PermanentMessageError('email: must be an email');
          },
        });
        await consume(bus, {
          groupId: newGroup('dlq-inspector'),
          topics: [deadLetterTopicOf(topic)],
          handleBatch: async (batch) => void deadLetters.push(...batch),
        });

        await bus.publish([message(topic, 'lead-1', '{"email":"nope"}')]);
        await until(reached(() => deadLetters.length >= 1));

        expect(tries).toEqual(['{"email":"nope"}']);
        expect(deadLetters[0].headers).toMatchObject({
          [DEAD_LETTER_HEADERS.error]: 'email: must be an email',
          [DEAD_LETTER_HEADERS.errorType]: 'PermanentMessageError',
        });
      },
      timeout,
    );

    it(
      'resolves publish() without waiting for any consumer to handle the message',
      async () => {
        const bus = await newBus();
        const topic = newTopic('ack');
        const release = gate();
        const handled: string[] = [];
        await consume(bus, {
          groupId: newGroup('slow'),
          topics: [topic],
          handleBatch: async (batch) => {
            await release.opened;
            handled.push(...batch.map((m) => m.value ?? ''));
          },
        });

        await bus.publish([message(topic, 'lead-1', 'captured')]);
        expect(handled).toEqual([]);

        release.open();
        await until(reached(() => handled.length >= 1));
        expect(handled).toEqual(['captured']);
      },
      timeout,
    );

    it(
      'commits only what was handled: a member stopped mid-batch leaves it to the next member of its group',
      async () => {
        const bus = await newBus();
        const topic = newTopic('stop');
        const groupId = newGroup('stop');
        const started = gate();
        const released = gate();
        const handledByFirst: string[] = [];
        const first = await consume(bus, {
          groupId,
          topics: [topic],
          handleBatch: async (batch, context) => {
            if (batch.some((m) => m.value === 'before-stop')) {
              handledByFirst.push(...batch.map((m) => m.value ?? ''));
              return;
            }
            started.open();
            await released.opened;
            await context.heartbeat(); // the safe point where a stopping member gives the batch up
            handledByFirst.push(...batch.map((m) => m.value ?? ''));
          },
        });
        await bus.publish([message(topic, 'lead-1', 'before-stop')]);
        await until(reached(() => handledByFirst.length >= 1));

        await bus.publish(['a', 'b', 'c'].map((value) => message(topic, 'lead-1', value)));
        await started.opened;
        const stopping = first.stop();
        released.open();
        await stopping;
        expect(handledByFirst).toEqual(['before-stop']);

        const handledBySecond: string[] = [];
        await consume(bus, { groupId, topics: [topic], handleBatch: recording(handledBySecond) });
        await until(reached(() => handledBySecond.length >= 3));
        await new Promise((resolve) => setTimeout(resolve, 200)); // room for a stray redelivery to show

        // At least once: what was not committed comes again; what was, does not.
        expect(handledBySecond).toEqual(['a', 'b', 'c']);
      },
      timeout,
    );
  });
}

function message(
  topic: string,
  key: string,
  value: string,
  headers: Record<string, string> = {},
): OutgoingMessage {
  return { topic, key, value, headers };
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}
