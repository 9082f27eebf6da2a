export { ManualClock } from '@leadledger/testing';
import { randomUUID } from 'node:crypto';
import {
  eventTypeOf,
  leadStreamId,
  type EngagementActivity,
  type LeadCapturedData,
} from '@leadledger/contracts';
import type { EventStore } from '@leadledger/eventstore';
import { parseScoringModel, type ScoringModel } from '../domain';

/** Test support: a small model whose arithmetic can be followed by hand. */
export function smallModel(
  overrides: { version?: string; mqlFit?: number; mqlEngagement?: number } = {},
): ScoringModel {
  return parseScoringModel(
    {
      version: overrides.version ?? 'test-1',
      fit: { rules: [{ id: 'size-100-plus', field: 'company.size', range: { min: 100 }, points: 50 }] },
      engagement: {
        halfLifeDays: 10,
        rules: [
          { id: 'demo', activity: 'demo_requested', points: 40, cap: { points: 40, periodDays: 30 } },
          { id: 'pricing', activity: 'pricing_page_view', points: 10, cap: { points: 20, periodDays: 7 } },
        ],
      },
      disqualifiers: [
        { id: 'too-small', field: 'company.size', range: { max: 9 }, reason: 'fewer than 10 employees' },
      ],
      mql: { fit: overrides.mqlFit ?? 40, engagement: overrides.mqlEngagement ?? 30 },
    },
    'test model',
  );
}

/** Appends what lead-capture would have: a capture and engagements, with their business times. */
export async function seedLead(
  store: EventStore,
  lead: {
    size: number;
    capturedAt: Date;
    engagements?: ReadonlyArray<{ activity: EngagementActivity; at: Date }>;
  },
): Promise<string> {
  const leadId = randomUUID();
  const captured: LeadCapturedData = {
    leadId,
    source: 'web_form',
    contact: { email: `${leadId}@acme.io` },
    company: { name: 'Acme', size: lead.size },
  };
  const events = [
    { type: eventTypeOf('LeadCaptured'), data: captured, at: lead.capturedAt },
    ...(lead.engagements ?? []).map(({ activity, at }) => ({
      type: eventTypeOf('LeadEngagementRecorded'),
      data: { leadId, activity },
      at,
    })),
  ];
  await store.append(
    leadStreamId(leadId),
    events.map(({ type, data, at }) => ({
      id: randomUUID(),
      type,
      data,
      metadata: {
        correlationId: randomUUID(),
        causationId: randomUUID(),
        actor: 'system:test',
        occurredAt: at.toISOString(),
        source: '/leadledger/lead-capture',
      },
    })),
    { expectedRevision: 'no_stream' },
  );
  return leadId;
}

export async function eventNamesOf(store: EventStore, leadId: string): Promise<string[]> {
  return (await store.readStream(leadStreamId(leadId))).map((event) =>
    event.type.replace(/^leadledger\.lead\./, ''),
  );
}
