import { resolveEventName, toDomainEvent, type LeadEvent } from '@leadledger/contracts';
import type { RecordedEvent } from '@leadledger/eventstore';
import { leadDecider, type Lead } from '../domain/lead.decider';

/** A lead as GET /leads/{id} shows it: its state folded from its stream, with the times of its events. */
export interface LeadView extends Omit<Lead, 'engagementIds'> {
  /** When the lead showed interest (business time of its capture). */
  readonly capturedAt?: string;
  /** When its latest engagement happened (business time). */
  readonly lastEngagementAt?: string;
  /** When its stream last changed (recorded time). */
  readonly updatedAt: string;
  /** The stream's last revision: what the next write would expect. */
  readonly revision: number;
}

export interface LeadEventView {
  readonly id: string;
  /** The domain name, e.g. `LeadCaptured`. */
  readonly type: string;
  /** The versioned CloudEvents type, e.g. `leadledger.lead.captured.v1`. */
  readonly eventType: string;
  readonly revision: number;
  readonly occurredAt?: string;
  readonly recordedAt: string;
  readonly actor?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly data: unknown;
}

export function toLeadView(recorded: readonly RecordedEvent[]): LeadView | undefined {
  const events = recorded.map((event) => toDomainEvent(event)).filter((event): event is LeadEvent => !!event);
  const lead = events.reduce(
    (state, event) => leadDecider.evolve(state, event, { id: '', occurredAt: '' }),
    leadDecider.initialState,
  );
  if (!lead) return undefined;
  const { engagementIds: _engagementIds, ...shown } = lead;
  const occurredAt = (event: RecordedEvent | undefined) => event?.metadata.occurredAt as string | undefined;
  const engagedAt = recorded
    .filter((event) => resolveEventName(event.type) === 'LeadEngagementRecorded')
    .map(occurredAt)
    .filter((time): time is string => time !== undefined)
    .sort();
  const last = recorded[recorded.length - 1];
  return {
    ...shown,
    capturedAt: occurredAt(recorded[0]),
    ...(engagedAt.length > 0 ? { lastEngagementAt: engagedAt[engagedAt.length - 1] } : {}),
    updatedAt: last.recordedAt.toISOString(),
    revision: Number(last.revision),
  };
}
