import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from '@jest/globals';
import { LEADS_LIFECYCLE_TOPIC, leadStreamId, opportunityStreamId } from '@leadledger/contracts';
import { eventually } from '@leadledger/testing';
import { DEAD_LETTER_HEADERS, deadLetterTopicOf } from '../lib/dead-letter';
import { consumeLifecycleFromBus } from '../lib/lifecycle/consume-lifecycle-from-bus';
import type { LifecycleConsumer, StreamEvents } from '../lib/lifecycle/lifecycle-consumer';
import type { Consumption, IncomingMessage, MessageBus } from '../lib/message-bus.port';
import { CONTRACT_RETRY } from './message-bus.contract';
import { describeCalls, engagement, erased, lifecycleMessage, recycled } from './lifecycle-fixtures';

export interface LifecycleFromBusSubject {
  createBus(): Promise<MessageBus>;
  readonly testTimeoutMs?: number;
  readonly eventuallyTimeoutMs?: number;
}

/**
 * consumeLifecycleFromBus on a bus adapter. The lifecycle topic is shared (on a broker, with other
 * specs and earlier runs), so every test reads only its own leads' events and dead letters.
 */
export function lifecycleFromBusCases(name: string, subject: LifecycleFromBusSubject): void {
  describe(`consumeLifecycleFromBus on ${name}`, () => {
    const timeout = subject.testTimeoutMs ?? 30_000;
    const cleanups: Array<() => Promise<void>> = [];

    async function start() {
      const bus = await subject.createBus();
      const calls: StreamEvents[][] = [];
      const deadLetters: IncomingMessage[] = [];
      const consumer: LifecycleConsumer = {
        name: `lifecycle-spec-${randomUUID().slice(0, 8)}`,
        category: 'lead',
        eventTypes: ['LeadEngagementRecorded', 'LeadRecycled'],
        handle: async (streams) => void calls.push([...streams]),
      };
      const consumptions: Consumption[] = [
        await consumeLifecycleFromBus(bus, consumer, { retry: CONTRACT_RETRY }),
        await bus.consume({
          groupId: `dlq-inspector-${randomUUID().slice(0, 8)}`,
          topics: [deadLetterTopicOf(LEADS_LIFECYCLE_TOPIC)],
          handleBatch: async (batch) => void deadLetters.push(...batch),
        }),
      ];
      cleanups.push(async () => {
        await Promise.allSettled(consumptions.map((consumption) => consumption.stop()));
        await bus.close();
      });
      return { bus, consumer, calls, deadLetters };
    }

    const handledOf = (calls: StreamEvents[][], leadIds: readonly string[]) =>
      describeCalls(calls)
        .flat()
        .filter((entry) => leadIds.some((leadId) => entry.startsWith(`${leadId}:`)));

    afterEach(async () => {
      await Promise.allSettled(cleanups.splice(0).map((cleanup) => cleanup()));
    });

    it(
      'hands handle() the listed types only, grouped per stream in order',
      async () => {
        const { bus, calls } = await start();
        const [a, b] = [randomUUID(), randomUUID()];

        await bus.publish([
          lifecycleMessage(engagement(a)),
          lifecycleMessage(erased(a)),
          lifecycleMessage(engagement(b)),
          lifecycleMessage(recycled(a)),
          lifecycleMessage(engagement(a, 'email_click')),
        ]);
        await eventually(
          () => (handledOf(calls, [a, b]).length >= 4 ? true : undefined),
          subject.eventuallyTimeoutMs,
        );

        const handled = handledOf(calls, [a, b]);
        expect(handled.filter((entry) => entry.startsWith(a))).toEqual([
          `${a}:LeadEngagementRecorded`,
          `${a}:LeadRecycled`,
          `${a}:LeadEngagementRecorded`,
        ]);
        expect(handled.filter((entry) => entry.startsWith(b))).toEqual([`${b}:LeadEngagementRecorded`]);
        for (const streams of calls) {
          expect(new Set(streams.map((stream) => stream.streamId)).size).toBe(streams.length);
          for (const stream of streams) {
            expect(stream.streamId).toBe(leadStreamId(stream.id));
            expect(stream.events.every(({ envelope }) => envelope.subject === stream.streamId)).toBe(true);
          }
        }
      },
      timeout,
    );

    it(
      'dead-letters each unreadable message alone (bad envelope, wrong stream, data against its contract) and handles the rest',
      async () => {
        const { bus, consumer, calls, deadLetters } = await start();
        const [a, b] = [randomUUID(), randomUUID()];
        const opportunity = opportunityStreamId(randomUUID());
        const notAnEnvelope = {
          topic: LEADS_LIFECYCLE_TOPIC,
          key: leadStreamId(a),
          value: '{"leadId":"no headers"}',
          headers: {},
        };

        await bus.publish([
          lifecycleMessage(engagement(a)),
          notAnEnvelope,
          lifecycleMessage(engagement(a), opportunity),
          lifecycleMessage(engagement(b, 'telepathy')),
          lifecycleMessage(recycled(a)),
        ]);
        const ours = () =>
          deadLetters.filter((m) => [leadStreamId(a), leadStreamId(b), opportunity].includes(m.key ?? ''));
        await eventually(
          () => (ours().length >= 3 && handledOf(calls, [a]).length >= 2 ? true : undefined),
          subject.eventuallyTimeoutMs,
        );

        expect(handledOf(calls, [a, b])).toEqual([`${a}:LeadEngagementRecorded`, `${a}:LeadRecycled`]);
        const byKey = new Map(ours().map((m) => [m.key, m]));
        expect(ours()).toHaveLength(3);
        for (const deadLetter of ours()) {
          expect(deadLetter.headers).toMatchObject({
            [DEAD_LETTER_HEADERS.errorType]: 'PermanentMessageError',
            [DEAD_LETTER_HEADERS.originalTopic]: LEADS_LIFECYCLE_TOPIC,
            [DEAD_LETTER_HEADERS.consumerGroup]: consumer.name,
          });
        }
        expect(byKey.get(leadStreamId(a))?.headers[DEAD_LETTER_HEADERS.error]).toContain('ce_specversion');
        expect(byKey.get(opportunity)?.headers[DEAD_LETTER_HEADERS.error]).toContain('is not a lead stream');
        expect(byKey.get(leadStreamId(b))?.headers[DEAD_LETTER_HEADERS.error]).toContain(
          'invalid LeadEngagementRecorded data',
        );
      },
      timeout,
    );
  });
}
