import { isUUID } from 'class-validator';
import { validateAgainst, type ValidationIssue } from './validation';
import {
  LeadAcceptedBySalesData,
  LeadAssignedToSalesData,
  LeadCapturedData,
  LeadConvertedToOpportunityData,
  LeadDetailsUpdatedData,
  LeadDisqualifiedData,
  LeadEngagementRecordedData,
  LeadErasedData,
  LeadHandoffSlaBreachedData,
  LeadMarketingQualifiedData,
  LeadQualificationRecordedData,
  LeadQualifiedData,
  LeadReassignedData,
  LeadRecycledData,
  LeadRejectedBySalesData,
  LeadScoredData,
} from './events/lead-events';
import {
  OpportunityAmountChangedData,
  OpportunityCloseDateChangedData,
  OpportunityForecastCategoryChangedData,
  OpportunityLostData,
  OpportunityOpenedData,
  OpportunityOwnerChangedData,
  OpportunityReopenedData,
  OpportunityStageChangedData,
  OpportunityWonData,
} from './events/opportunity-events';

export type StreamCategory = 'lead' | 'opportunity';

export interface EventCatalogEntry {
  /** The CloudEvents `type`: what the store and Kafka carry. A breaking change to the payload is a new version. */
  readonly type: string;
  readonly dataClass: new () => object;
  readonly category: StreamCategory;
}

/** Every event of the v1 vocabulary: domain name -> versioned type, payload class, stream category. */
export const EVENT_CATALOG = {
  LeadCaptured: { type: 'leadledger.lead.captured.v1', dataClass: LeadCapturedData, category: 'lead' },
  LeadDetailsUpdated: {
    type: 'leadledger.lead.details-updated.v1',
    dataClass: LeadDetailsUpdatedData,
    category: 'lead',
  },
  LeadEngagementRecorded: {
    type: 'leadledger.lead.engagement-recorded.v1',
    dataClass: LeadEngagementRecordedData,
    category: 'lead',
  },
  LeadErased: { type: 'leadledger.lead.erased.v1', dataClass: LeadErasedData, category: 'lead' },
  LeadScored: { type: 'leadledger.lead.scored.v1', dataClass: LeadScoredData, category: 'lead' },
  LeadMarketingQualified: {
    type: 'leadledger.lead.marketing-qualified.v1',
    dataClass: LeadMarketingQualifiedData,
    category: 'lead',
  },
  LeadDisqualified: {
    type: 'leadledger.lead.disqualified.v1',
    dataClass: LeadDisqualifiedData,
    category: 'lead',
  },
  LeadAssignedToSales: {
    type: 'leadledger.lead.assigned-to-sales.v1',
    dataClass: LeadAssignedToSalesData,
    category: 'lead',
  },
  LeadHandoffSlaBreached: {
    type: 'leadledger.lead.handoff-sla-breached.v1',
    dataClass: LeadHandoffSlaBreachedData,
    category: 'lead',
  },
  LeadReassigned: {
    type: 'leadledger.lead.reassigned.v1',
    dataClass: LeadReassignedData,
    category: 'lead',
  },
  LeadAcceptedBySales: {
    type: 'leadledger.lead.accepted-by-sales.v1',
    dataClass: LeadAcceptedBySalesData,
    category: 'lead',
  },
  LeadRejectedBySales: {
    type: 'leadledger.lead.rejected-by-sales.v1',
    dataClass: LeadRejectedBySalesData,
    category: 'lead',
  },
  LeadRecycled: { type: 'leadledger.lead.recycled.v1', dataClass: LeadRecycledData, category: 'lead' },
  LeadQualificationRecorded: {
    type: 'leadledger.lead.qualification-recorded.v1',
    dataClass: LeadQualificationRecordedData,
    category: 'lead',
  },
  LeadQualified: { type: 'leadledger.lead.qualified.v1', dataClass: LeadQualifiedData, category: 'lead' },
  LeadConvertedToOpportunity: {
    type: 'leadledger.lead.converted-to-opportunity.v1',
    dataClass: LeadConvertedToOpportunityData,
    category: 'lead',
  },
  OpportunityOpened: {
    type: 'leadledger.opportunity.opened.v1',
    dataClass: OpportunityOpenedData,
    category: 'opportunity',
  },
  OpportunityStageChanged: {
    type: 'leadledger.opportunity.stage-changed.v1',
    dataClass: OpportunityStageChangedData,
    category: 'opportunity',
  },
  OpportunityAmountChanged: {
    type: 'leadledger.opportunity.amount-changed.v1',
    dataClass: OpportunityAmountChangedData,
    category: 'opportunity',
  },
  OpportunityCloseDateChanged: {
    type: 'leadledger.opportunity.close-date-changed.v1',
    dataClass: OpportunityCloseDateChangedData,
    category: 'opportunity',
  },
  OpportunityForecastCategoryChanged: {
    type: 'leadledger.opportunity.forecast-category-changed.v1',
    dataClass: OpportunityForecastCategoryChangedData,
    category: 'opportunity',
  },
  OpportunityOwnerChanged: {
    type: 'leadledger.opportunity.owner-changed.v1',
    dataClass: OpportunityOwnerChangedData,
    category: 'opportunity',
  },
  OpportunityWon: {
    type: 'leadledger.opportunity.won.v1',
    dataClass: OpportunityWonData,
    category: 'opportunity',
  },
  OpportunityLost: {
    type: 'leadledger.opportunity.lost.v1',
    dataClass: OpportunityLostData,
    category: 'opportunity',
  },
  OpportunityReopened: {
    type: 'leadledger.opportunity.reopened.v1',
    dataClass: OpportunityReopenedData,
    category: 'opportunity',
  },
} as const satisfies Record<string, EventCatalogEntry>;

type Catalog = typeof EVENT_CATALOG;

export type EventName = keyof Catalog;
export type EventType = Catalog[EventName]['type'];
export type EventTypeOf<N extends EventName> = Catalog[N]['type'];
export type EventNameOf<T extends EventType> = {
  [N in EventName]: Catalog[N]['type'] extends T ? N : never;
}[EventName];
/** The payload type of an event: the payload class's instance type, which a plain object literal satisfies. */
export type EventDataOf<N extends EventName> = InstanceType<Catalog[N]['dataClass']>;
export type EventNameIn<C extends StreamCategory> = {
  [N in EventName]: Catalog[N]['category'] extends C ? N : never;
}[EventName];
export type LeadEventName = EventNameIn<'lead'>;
export type OpportunityEventName = EventNameIn<'opportunity'>;

/** What deciders return and evolve folds: `{ type: 'LeadCaptured', data: { ... } }`, discriminated by `type`. */
export type DomainEvent<N extends EventName = EventName> = N extends EventName
  ? { readonly type: N; readonly data: EventDataOf<N> }
  : never;
export type LeadEvent = DomainEvent<LeadEventName>;
export type OpportunityEvent = DomainEvent<OpportunityEventName>;

export const EVENT_NAMES = Object.keys(EVENT_CATALOG) as readonly EventName[];

const NAME_BY_TYPE: ReadonlyMap<string, EventName> = new Map(
  EVENT_NAMES.map((name) => [EVENT_CATALOG[name].type, name]),
);

/** Every event of one category's streams: what a read model of the whole lifecycle follows. */
export function eventNamesIn<C extends StreamCategory>(category: C): readonly EventNameIn<C>[] {
  return EVENT_NAMES.filter((name) => EVENT_CATALOG[name].category === category) as EventNameIn<C>[];
}

export function eventTypeOf<N extends EventName>(name: N): EventTypeOf<N> {
  return EVENT_CATALOG[name].type;
}

/** The domain name of a versioned type; undefined for a type this catalog does not know (e.g. a newer version). */
export function eventNameOf(versionedType: string): EventName | undefined {
  return NAME_BY_TYPE.get(versionedType);
}

/** Accepts either spelling, so callers need not know whether they hold a domain name or a CloudEvents type. */
export function resolveEventName(nameOrVersionedType: string): EventName | undefined {
  return Object.hasOwn(EVENT_CATALOG, nameOrVersionedType)
    ? (nameOrVersionedType as EventName)
    : eventNameOf(nameOrVersionedType);
}

export class UnknownEventTypeError extends Error {
  override readonly name = 'UnknownEventTypeError';

  constructor(readonly eventType: string) {
    super(`unknown event type "${eventType}": not a name or versioned type in the event catalog`);
  }
}

export class InvalidEventDataError extends Error {
  override readonly name = 'InvalidEventDataError';

  constructor(
    /** A catalog name, or a bookkeeping stream's own type (EventCodec). */
    readonly eventName: string,
    readonly issues: readonly ValidationIssue[],
  ) {
    super(
      `invalid ${eventName} data: ${issues.map(({ path, reason }) => `${path || '(data)'} ${reason}`).join('; ')}`,
    );
  }
}

/**
 * Checks data against its payload class: every rule, plus no field the class does not declare (a typo or a field
 * of another version must not slip into a stream). Throws UnknownEventTypeError for a type the catalog lacks.
 */
export function validateEventData(nameOrVersionedType: string, data: unknown): ValidationIssue[] {
  const name = resolveEventName(nameOrVersionedType);
  if (name === undefined) throw new UnknownEventTypeError(nameOrVersionedType);
  const dataClass: EventCatalogEntry['dataClass'] = EVENT_CATALOG[name].dataClass;
  return validateAgainst(dataClass, data);
}

/**
 * The validated domain event a stored or received event carries (anything with `type` and `data`, e.g. a
 * RecordedEvent or an EventEnvelope); undefined when the type is not in the catalog, so a consumer can skip
 * what a newer producer added. Throws InvalidEventDataError when the data breaks its contract.
 */
export function toDomainEvent(event: {
  readonly type: string;
  readonly data: unknown;
}): DomainEvent | undefined {
  const name = resolveEventName(event.type);
  if (name === undefined) return undefined;
  const issues = validateEventData(name, event.data);
  if (issues.length > 0) throw new InvalidEventDataError(name, issues);
  // Valid and free of undeclared fields, so the plain data is exactly the payload type.
  return { type: name, data: event.data } as DomainEvent;
}

export function isLeadEvent(event: DomainEvent): event is LeadEvent {
  return EVENT_CATALOG[event.type].category === 'lead';
}

export const leadStreamId = (leadId: string): string => `lead-${leadId}`;
export const opportunityStreamId = (opportunityId: string): string => `opportunity-${opportunityId}`;

/** The stream an event belongs on: each payload carries its stream's id. */
export function streamIdOf(event: DomainEvent): string {
  return isLeadEvent(event) ? leadStreamId(event.data.leadId) : opportunityStreamId(event.data.opportunityId);
}

const STREAM_ID = /^(lead|opportunity)-(.+)$/;

/** The inverse of leadStreamId / opportunityStreamId; undefined for other streams and non-UUID ids. */
export function parseStreamId(streamId: string): { category: StreamCategory; id: string } | undefined {
  const match = STREAM_ID.exec(streamId);
  if (!match || !isUUID(match[2])) return undefined;
  return { category: match[1] as StreamCategory, id: match[2] };
}
