import {
  LEAD_DETAIL_FIELDS,
  type Company,
  type Contact,
  type LeadCapturedData,
  type LeadDetailsUpdatedData,
} from '@leadledger/contracts';

/** What a scoring condition may read: the lead's contact and company details, and its first-touch source. */
export const SCORING_FIELDS = [...LEAD_DETAIL_FIELDS, 'source'] as const;
export type ScoringField = (typeof SCORING_FIELDS)[number];

/** The one field holding a number; every other field holds text. */
export const NUMERIC_FIELDS: readonly ScoringField[] = ['company.size'];
export type FactValue<Field extends ScoringField> = Field extends 'company.size' ? number : string;

/** A field's current value and the event that set it, so a fit contribution can name the event it rests on. */
export interface Fact<Value> {
  readonly value: Value;
  readonly eventId: string;
}

/** The lead's current details, field by field; an absent field is unknown (never captured, or cleared). */
export type LeadFacts = { readonly [Field in ScoringField]?: Fact<FactValue<Field>> };

type MutableFacts = Partial<Record<ScoringField, Fact<string | number>>>;

export function factsCapturedBy(data: LeadCapturedData, eventId: string): LeadFacts {
  const facts: MutableFacts = { source: { value: data.source, eventId } };
  for (const field of LEAD_DETAIL_FIELDS) {
    const value = detailValue(data, field);
    if (value !== undefined) facts[field] = { value, eventId };
  }
  return facts as LeadFacts;
}

/** A field named as changed but absent from the new values was cleared: it is no longer known. */
export function factsUpdatedBy(facts: LeadFacts, data: LeadDetailsUpdatedData, eventId: string): LeadFacts {
  const updated: MutableFacts = { ...facts };
  for (const field of data.changedFields) {
    const value = detailValue(data, field);
    if (value === undefined) delete updated[field];
    else updated[field] = { value, eventId };
  }
  return updated as LeadFacts;
}

function detailValue(
  details: { readonly contact?: Contact; readonly company?: Company },
  field: (typeof LEAD_DETAIL_FIELDS)[number],
): string | number | undefined {
  const [group, name] = field.split('.') as ['contact' | 'company', string];
  const value = (details[group] as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}
