import { eventNamesIn, eventTypeOf, type LeadEvent } from '@leadledger/contracts';
import { streamStateProjection, type StreamStateRow } from '@leadledger/projections';
import { leadDecider, type Lead, type LeadState } from '../domain/lead.decider';

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
  /** Whom the producer of an inbound message said it acted for (`ce_actor`), unverified. */
  readonly claimedActor?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly data: unknown;
}

/** The lead decider's state, and the business times the view shows beside it. */
interface LeadViewState {
  readonly lead: LeadState;
  readonly capturedAt?: string;
  readonly lastEngagementAt?: string;
}

type StoredLeadViewState = Omit<LeadViewState, 'lead'> & {
  readonly lead?: Omit<Lead, 'engagementIds'> & { readonly engagementIds: readonly string[] };
};

/**
 * GET /leads/{id} as a read model: every lead event, whichever service wrote it, folded by the lead
 * decider's own evolve, so the stage the view shows is the one lead-capture decides on.
 */
export const leadViewProjection = streamStateProjection<LeadViewState, LeadEvent>({
  name: 'lead-capture.lead-views',
  table: 'lead_views',
  category: 'lead',
  eventTypes: eventNamesIn('lead').map(eventTypeOf),
  initialState: { lead: leadDecider.initialState },
  evolve: (view, event, meta) => ({
    lead: leadDecider.evolve(view.lead, event, meta),
    capturedAt: view.capturedAt ?? (event.type === 'LeadCaptured' ? meta.occurredAt : undefined),
    lastEngagementAt:
      event.type === 'LeadEngagementRecorded' && isLater(meta.occurredAt, view.lastEngagementAt)
        ? meta.occurredAt
        : view.lastEngagementAt,
  }),
  toJson: ({ lead, ...times }): StoredLeadViewState => ({
    ...times,
    ...(lead ? { lead: { ...lead, engagementIds: [...lead.engagementIds] } } : {}),
  }),
  fromJson: (json) => {
    const { lead, ...times } = json as StoredLeadViewState;
    return { ...times, lead: lead && { ...lead, engagementIds: new Set(lead.engagementIds) } };
  },
});

export function toLeadView(row: StreamStateRow<LeadViewState>): LeadView | undefined {
  const { lead, capturedAt, lastEngagementAt } = row.state;
  if (!lead) return undefined;
  const { engagementIds: _engagementIds, ...shown } = lead;
  return {
    ...shown,
    ...(capturedAt ? { capturedAt } : {}),
    ...(lastEngagementAt ? { lastEngagementAt } : {}),
    updatedAt: row.updatedAt.toISOString(),
    revision: Number(row.revision),
  };
}

/** Business times carry offsets (`+02:00`), so they are compared as instants, not as text. */
function isLater(candidate: string, than: string | undefined): boolean {
  return than === undefined || Date.parse(candidate) > Date.parse(than);
}
