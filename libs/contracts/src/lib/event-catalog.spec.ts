import {
  EVENT_CATALOG,
  EVENT_NAMES,
  type DomainEvent,
  InvalidEventDataError,
  UnknownEventTypeError,
  eventNameOf,
  eventTypeOf,
  leadStreamId,
  opportunityStreamId,
  parseStreamId,
  resolveEventName,
  streamIdOf,
  toDomainEvent,
  validateEventData,
} from './event-catalog';

const leadId = '0b9f3c56-54a5-4f7e-9a57-2f1f4b2d6c11';
const opportunityId = '7d1e5b2a-3c4f-4e6d-8a9b-0c1d2e3f4a5b';

describe('event catalog', () => {
  it('is a bijection between names and versioned types', () => {
    const types = EVENT_NAMES.map((name) => EVENT_CATALOG[name].type);
    expect(new Set(types).size).toBe(EVENT_NAMES.length);
    for (const name of EVENT_NAMES) expect(eventNameOf(eventTypeOf(name))).toBe(name);
  });

  it('gives every name its own payload class', () => {
    const classes = EVENT_NAMES.map((name) => EVENT_CATALOG[name].dataClass);
    expect(classes.every((dataClass) => typeof dataClass === 'function')).toBe(true);
    expect(new Set(classes).size).toBe(EVENT_NAMES.length);
    for (const name of EVENT_NAMES) expect(EVENT_CATALOG[name].dataClass.name).toBe(`${name}Data`);
  });

  it('names types leadledger.<category>.<kebab-cased rest of the name>.v1', () => {
    for (const name of EVENT_NAMES) {
      const { type, category } = EVENT_CATALOG[name];
      const prefix = category === 'lead' ? 'Lead' : 'Opportunity';
      expect(name.startsWith(prefix)).toBe(true);
      const rest = name
        .slice(prefix.length)
        .replace(/(?<=.)([A-Z])/g, '-$1')
        .toLowerCase();
      expect(type).toBe(`leadledger.${category}.${rest}.v1`);
    }
  });

  it('covers the v1 vocabulary of docs/architecture.md, "Events"', () => {
    expect(EVENT_NAMES).toHaveLength(25);
    expect(eventTypeOf('LeadAssignedToSales')).toBe('leadledger.lead.assigned-to-sales.v1');
    expect(eventTypeOf('OpportunityStageChanged')).toBe('leadledger.opportunity.stage-changed.v1');
  });

  it('resolves names and types, and knows nothing else', () => {
    expect(eventNameOf('leadledger.lead.captured.v1')).toBe('LeadCaptured');
    expect(eventNameOf('leadledger.lead.captured.v2')).toBeUndefined();
    expect(eventNameOf('LeadCaptured')).toBeUndefined();
    expect(resolveEventName('LeadCaptured')).toBe('LeadCaptured');
    expect(resolveEventName('leadledger.lead.captured.v1')).toBe('LeadCaptured');
    expect(resolveEventName('toString')).toBeUndefined();
    expect(() => validateEventData('LeadTeleported', {})).toThrow(UnknownEventTypeError);
  });
});

describe('toDomainEvent', () => {
  const converted = {
    leadId,
    opportunityId,
    owner: 'ana@example.com',
    team: 'emea',
    framework: 'bant',
    evidence: [],
  };

  it('turns a stored or received event into a typed domain event', () => {
    expect(toDomainEvent({ type: 'leadledger.lead.converted-to-opportunity.v1', data: converted })).toEqual({
      type: 'LeadConvertedToOpportunity',
      data: converted,
    });
  });

  it('skips types it does not know and refuses invalid data with every issue', () => {
    expect(toDomainEvent({ type: 'leadledger.lead.teleported.v1', data: converted })).toBeUndefined();
    const invalid = () =>
      toDomainEvent({ type: 'LeadConvertedToOpportunity', data: { ...converted, opportunityId: 'x' } });
    expect(invalid).toThrow(InvalidEventDataError);
    expect(invalid).toThrow('invalid LeadConvertedToOpportunity data: opportunityId must be a UUID');
  });
});

describe('stream ids', () => {
  it('builds and parses lead and opportunity stream ids', () => {
    expect(leadStreamId(leadId)).toBe(`lead-${leadId}`);
    expect(opportunityStreamId(opportunityId)).toBe(`opportunity-${opportunityId}`);
    expect(parseStreamId(leadStreamId(leadId))).toEqual({ category: 'lead', id: leadId });
    expect(parseStreamId(opportunityStreamId(opportunityId))).toEqual({
      category: 'opportunity',
      id: opportunityId,
    });
  });

  it.each(['lead-42', 'account-0b9f3c56-54a5-4f7e-9a57-2f1f4b2d6c11', '$all', leadId])(
    'does not parse %s',
    (streamId) => {
      expect(parseStreamId(streamId)).toBeUndefined();
    },
  );

  it("puts each event on its stream's id, even where the payload names the other stream too", () => {
    const conversion: DomainEvent = {
      type: 'LeadConvertedToOpportunity',
      data: {
        leadId,
        opportunityId,
        owner: 'ana@example.com',
        team: 'emea',
        framework: 'bant',
        evidence: [],
      },
    };
    const opening: DomainEvent<'OpportunityOpened'> = {
      type: 'OpportunityOpened',
      data: {
        opportunityId,
        leadId,
        name: 'ACME Logistics - fleet analytics',
        owner: 'ana@example.com',
        pipeline: 'new-business',
        stage: 'discovery',
        probability: 20,
        amount: { amountMinor: 4_800_000, currency: 'EUR' },
        expectedCloseDate: '2025-06-30',
        forecastCategory: 'pipeline',
      },
    };
    expect(streamIdOf(conversion)).toBe(`lead-${leadId}`);
    expect(streamIdOf(opening)).toBe(`opportunity-${opportunityId}`);
  });
});
