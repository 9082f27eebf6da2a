export { ManualClock } from '@leadledger/testing';
import { randomUUID } from 'node:crypto';
import { eventTypeOf, leadStreamId } from '@leadledger/contracts';
import type { EventStore } from '@leadledger/eventsourcing';
import {
  DEFAULT_QUALIFICATION_PATH,
  DEFAULT_SALES_TEAM_PATH,
  loadSalesConfig,
  type LoadedSalesConfig,
} from '../load-sales-config';

/** config/sales-team.json and config/qualification.json as shipped. */
export function shippedSalesConfig(): LoadedSalesConfig {
  return loadSalesConfig({
    teamPath: DEFAULT_SALES_TEAM_PATH,
    qualificationPath: DEFAULT_QUALIFICATION_PATH,
  });
}

/** A captured lead that marketing-scoring made an MQL, as sales-acceptance finds it. */
export async function seedMql(
  store: EventStore,
  company: { country: string; size: number },
): Promise<string> {
  const leadId = randomUUID();
  const metadata = {
    correlationId: leadId,
    causationId: leadId,
    actor: 'system:test',
    occurredAt: '2026-11-01T09:00:00Z',
    source: '/test',
  } as const;
  await store.append(
    leadStreamId(leadId),
    [
      {
        id: randomUUID(),
        type: eventTypeOf('LeadCaptured'),
        data: { leadId, source: 'web_form', contact: { email: `${leadId}@kunde.example` }, company },
        metadata,
      },
      {
        id: randomUUID(),
        type: eventTypeOf('LeadMarketingQualified'),
        data: { leadId, fit: 50, engagement: 40, modelVersion: 'test-1' },
        metadata,
      },
    ],
    { expectedRevision: 'no_stream' },
  );
  return leadId;
}
