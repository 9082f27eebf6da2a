import { randomUUID } from 'node:crypto';
import {
  LEADS_LIFECYCLE_TOPIC,
  eventTypeOf,
  leadStreamId,
  toEnvelope,
  toKafkaMessage,
  type EventMetadata,
  type EventName,
} from '@leadledger/contracts';
import type { EventStore } from '@leadledger/eventsourcing';
import type { OutgoingMessage } from '../lib/message-bus.port';
import type { StreamEvents } from '../lib/lifecycle/lifecycle-consumer';

/** Metadata every stored lifecycle event carries, so it makes a valid envelope. */
export function metadataOf(): EventMetadata {
  return {
    correlationId: randomUUID(),
    causationId: randomUUID(),
    actor: 'system:messaging-spec',
    occurredAt: new Date().toISOString(),
    source: '/leadledger/messaging-spec',
  };
}

/** A lead engagement, or, with `activity` outside the contract, an event whose data breaks it. */
export const engagement = (leadId: string, activity = 'page_view') => ({
  name: 'LeadEngagementRecorded' as const,
  data: { leadId, activity },
});
export const recycled = (leadId: string) => ({
  name: 'LeadRecycled' as const,
  data: { leadId, reason: 'nurture again' },
});
export const erased = (leadId: string) => ({
  name: 'LeadErased' as const,
  data: { leadId, reason: 'asked to be forgotten' },
});

export interface FixtureEvent {
  readonly name: EventName;
  readonly data: Record<string, unknown>;
}

/** A lead's event as the relay publishes it; `streamId` defaults to the lead's stream. */
export function lifecycleMessage(
  { name, data }: FixtureEvent,
  streamId = leadStreamId(String(data['leadId'])),
): OutgoingMessage {
  const envelope = toEnvelope({
    id: randomUUID(),
    streamId,
    type: eventTypeOf(name),
    data,
    metadata: metadataOf(),
    recordedAt: new Date(),
  });
  return { topic: LEADS_LIFECYCLE_TOPIC, ...toKafkaMessage(envelope) };
}

export async function appendToLead(store: EventStore, leadId: string, ...events: FixtureEvent[]) {
  await store.append(
    leadStreamId(leadId),
    events.map(({ name, data }) => ({
      id: randomUUID(),
      type: eventTypeOf(name),
      data,
      metadata: metadataOf(),
    })),
    { expectedRevision: 'any' },
  );
}

/** What handle() was given, flattened to `streamId: EventName` per call, for assertions on grouping. */
export function describeCalls(calls: ReadonlyArray<readonly StreamEvents[]>): string[][] {
  return calls.map((streams) =>
    streams.flatMap((stream) => stream.events.map(({ event }) => `${stream.id}:${event.type}`)),
  );
}
