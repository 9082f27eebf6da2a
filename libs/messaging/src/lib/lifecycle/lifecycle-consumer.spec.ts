import { randomUUID } from 'node:crypto';
import { fromKafkaHeaders, opportunityStreamId, type EventEnvelope } from '@leadledger/contracts';
import { InProcessMessageBus } from '../in-process/in-process-message-bus';
import { PermanentMessageError } from '../message-bus.port';
import { lifecycleFromBusCases } from '../../testing/lifecycle-from-bus.cases';
import { engagement, erased, lifecycleMessage, recycled } from '../../testing/lifecycle-fixtures';
import { groupByStream, readLifecycleEvent, type LifecycleConsumer } from './lifecycle-consumer';

lifecycleFromBusCases('InProcessMessageBus', {
  createBus: async () => new InProcessMessageBus({ drainTimeoutMs: 100 }),
  eventuallyTimeoutMs: 5_000,
});

const consumer: LifecycleConsumer = {
  name: 'scoring',
  category: 'lead',
  eventTypes: ['LeadEngagementRecorded', 'LeadRecycled'],
  handle: async () => undefined,
};

function envelopeOf(message: ReturnType<typeof lifecycleMessage>): EventEnvelope {
  return fromKafkaHeaders(message.headers, message.value);
}

describe('readLifecycleEvent', () => {
  const leadId = randomUUID();

  it('reads a listed event as its envelope and validated domain event', () => {
    const envelope = envelopeOf(lifecycleMessage(engagement(leadId)));

    expect(readLifecycleEvent(consumer, () => envelope)).toEqual({
      envelope,
      event: { type: 'LeadEngagementRecorded', data: { leadId, activity: 'page_view' } },
    });
  });

  it('skips types the consumer did not list, and types newer than the catalog', () => {
    const unlisted = envelopeOf(lifecycleMessage(erased(leadId)));
    const newer = {
      ...envelopeOf(lifecycleMessage(engagement(leadId))),
      type: 'leadledger.lead.teleported.v1',
    };

    expect(readLifecycleEvent(consumer, () => unlisted)).toBeUndefined();
    expect(readLifecycleEvent(consumer, () => newer)).toBeUndefined();
  });

  it.each([
    ['an envelope that cannot be read', () => fromKafkaHeaders({}, '{}'), 'ce_specversion'],
    [
      'a stream of another category',
      () => envelopeOf(lifecycleMessage(recycled(leadId), opportunityStreamId(randomUUID()))),
      'is not a lead stream',
    ],
    [
      'data that breaks its contract',
      () => envelopeOf(lifecycleMessage(engagement(leadId, 'telepathy'))),
      'invalid LeadEngagementRecorded data',
    ],
  ])('refuses %s as a PermanentMessageError, so it is dead-lettered', (_case, readEnvelope, reason) => {
    expect(() => readLifecycleEvent(consumer, readEnvelope)).toThrow(PermanentMessageError);
    expect(() => readLifecycleEvent(consumer, readEnvelope)).toThrow(reason);
  });

  it('lets other failures through as they are, so they are retried', () => {
    const outage = new Error('schema registry unreachable');

    expect(() =>
      readLifecycleEvent(consumer, () => {
        throw outage;
      }),
    ).toThrow(outage);
  });
});

describe('groupByStream', () => {
  it('groups per stream, streams in the order of their first event, events in order', () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const read = (message: ReturnType<typeof lifecycleMessage>) => {
      const event = readLifecycleEvent(consumer, () => envelopeOf(message));
      if (!event) throw new Error('a listed event was skipped');
      return event;
    };
    const events = [
      read(lifecycleMessage(engagement(a))),
      read(lifecycleMessage(engagement(b))),
      read(lifecycleMessage(recycled(a))),
    ];

    expect(groupByStream(events)).toEqual([
      { streamId: `lead-${a}`, id: a, events: [events[0], events[2]] },
      { streamId: `lead-${b}`, id: b, events: [events[1]] },
    ]);
  });
});
