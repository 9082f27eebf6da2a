import { ArrayNotEmpty, IsIn, IsInt, IsUUID } from 'class-validator';
import { CalendarDate, Instant, Nested, NestedList, Optional, Text, TextList } from './field-rules';
import { Company, Contact, ExternalRef, Money, Utm } from './value-objects';

/*
 * Payloads of the events on `lead-{leadId}` streams, v1. Each class is both the validation rule set and the
 * TypeScript type domain code builds: a plain object literal with these fields is a valid `LeadCapturedData`.
 * Changing a field's meaning or removing one needs a v2 type, never an edit here.
 */

export const LEAD_SOURCES = [
  'web_form',
  'newsletter',
  'event',
  'referral',
  'cold_outreach',
  'import',
  'other',
] as const;
export type LeadSource = (typeof LEAD_SOURCES)[number];

export const ENGAGEMENT_ACTIVITIES = [
  'email_open',
  'email_click',
  'page_view',
  'pricing_page_view',
  'whitepaper_download',
  'webinar_registered',
  'webinar_attended',
  'event_visit',
  'demo_requested',
] as const;
export type EngagementActivity = (typeof ENGAGEMENT_ACTIVITIES)[number];

/** The contact and company fields a LeadDetailsUpdated can name as changed. */
export const LEAD_DETAIL_FIELDS = [
  'contact.email',
  'contact.firstName',
  'contact.lastName',
  'contact.fullName',
  'contact.phone',
  'contact.jobTitle',
  'company.name',
  'company.size',
  'company.sizeAsGiven',
  'company.industry',
  'company.country',
  'company.countryAsGiven',
] as const;
export type LeadDetailField = (typeof LEAD_DETAIL_FIELDS)[number];

export const SCORE_AXES = ['fit', 'engagement'] as const;
export type ScoreAxis = (typeof SCORE_AXES)[number];

export const SALES_REJECTION_REASONS = [
  'not_a_fit',
  'no_budget',
  'no_authority',
  'no_need',
  'bad_timing',
  'unreachable',
  'duplicate',
  'other',
] as const;
export type SalesRejectionReason = (typeof SALES_REJECTION_REASONS)[number];

export const CRITERION_VALUES = ['met', 'not_met', 'unknown'] as const;
export type CriterionValue = (typeof CRITERION_VALUES)[number];

/** Why an MQL went to the fallback team rather than one its country and size matched. */
export const ASSIGNMENT_FALLBACK_REASONS = ['no_rule_matched', 'no_rep_available', 'everyone_away'] as const;
export type AssignmentFallbackReason = (typeof ASSIGNMENT_FALLBACK_REASONS)[number];

export const REASSIGNMENT_REASONS = ['sla_breached', 'manager'] as const;
export type ReassignmentReason = (typeof REASSIGNMENT_REASONS)[number];

// Bounds shared by several payloads.
const REASON_LENGTH = 500;
const NOTE_LENGTH = 2000;
/** A sales user's id, e.g. `ana@example.com`. */
const OWNER_LENGTH = 200;
const MODEL_VERSION_LENGTH = 50;
const RULE_ID_LENGTH = 100;
const FRAMEWORK_LENGTH = 50;
const CRITERION_LENGTH = 100;
const TEAM_LENGTH = 50;

export class LeadCapturedData {
  @IsUUID() readonly leadId!: string;
  @IsIn(LEAD_SOURCES) readonly source!: LeadSource;
  /** Which form, list, event or partner, e.g. `contact-us`, `saastr-2025`. */
  @Optional() @Text(200) readonly sourceDetail?: string;
  @Optional() @Nested(() => Utm) readonly utm?: Utm;
  @Nested(() => Contact) readonly contact!: Contact;
  @Optional() @Nested(() => Company) readonly company?: Company;
  @Optional() @Nested(() => ExternalRef) readonly externalRef?: ExternalRef;
}

/**
 * `contact` and `company` carry the new values of the changed fields. A field listed in `changedFields` but absent
 * from them was cleared.
 */
export class LeadDetailsUpdatedData {
  @IsUUID() readonly leadId!: string;
  @Optional() @Nested(() => Contact) readonly contact?: Contact;
  @Optional() @Nested(() => Company) readonly company?: Company;
  @ArrayNotEmpty()
  @IsIn(LEAD_DETAIL_FIELDS, { each: true })
  @TextList(LEAD_DETAIL_FIELDS.length, 50)
  readonly changedFields!: LeadDetailField[];
}

export class LeadEngagementRecordedData {
  @IsUUID() readonly leadId!: string;
  @IsIn(ENGAGEMENT_ACTIVITIES) readonly activity!: EngagementActivity;
  /** The page URL or the asset's name. */
  @Optional() @Text(2048) readonly detail?: string;
  /**
   * The activity's id in the system that tracked it (so any string, not a UUID): tells a repeated delivery of one
   * activity from a new one.
   */
  @Optional() @Text(200) readonly engagementId?: string;
}

/** Read models drop the lead's personal data when they see this event. */
export class LeadErasedData {
  @IsUUID() readonly leadId!: string;
  @Text(REASON_LENGTH) readonly reason!: string;
}

export class ScoreContribution {
  @Text(RULE_ID_LENGTH) readonly ruleId!: string;
  @IsIn(SCORE_AXES) readonly axis!: ScoreAxis;
  /** Negative for penalties and decay. */
  @IsInt() readonly points!: number;
  /** The event that earned the points; absent for contributions no single event caused, such as decay. */
  @Optional() @IsUUID() readonly eventId?: string;
}

export class LeadScoredData {
  @IsUUID() readonly leadId!: string;
  @IsInt() readonly fit!: number;
  @IsInt() readonly engagement!: number;
  @IsInt() readonly total!: number;
  @NestedList(() => ScoreContribution, 500) readonly breakdown!: ScoreContribution[];
  @Text(MODEL_VERSION_LENGTH) readonly modelVersion!: string;
  /**
   * When decay alone would next change what the score means (e.g. engagement falls below the MQL
   * threshold), so the lead is looked at again then; absent when decay can no longer matter.
   */
  @Optional() @Instant() readonly nextReviewAt?: string;
}

export class LeadMarketingQualifiedData {
  @IsUUID() readonly leadId!: string;
  @IsInt() readonly fit!: number;
  @IsInt() readonly engagement!: number;
  @Text(MODEL_VERSION_LENGTH) readonly modelVersion!: string;
}

export class LeadDisqualifiedData {
  @IsUUID() readonly leadId!: string;
  @Text(REASON_LENGTH) readonly reason!: string;
  /** The scoring rule that ruled the lead out, when one did. */
  @Optional() @Text(RULE_ID_LENGTH) readonly ruleId?: string;
  /** The scoring model that ruled the lead out; absent when sales did (a rejection as no fit, or by hand). */
  @Optional() @Text(MODEL_VERSION_LENGTH) readonly modelVersion?: string;
}

export class LeadAssignedToSalesData {
  @IsUUID() readonly leadId!: string;
  /** The sales user's id, the same id their actor carries (`user:<id>`). */
  @Text(OWNER_LENGTH) readonly owner!: string;
  /** The sales team (config/sales-team.json) whose rules, calendar and SLA apply. */
  @Text(TEAM_LENGTH) readonly team!: string;
  /** When the owner must have accepted or rejected the lead: business hours of the team's calendar. */
  @Instant() readonly slaDueAt!: string;
  /** Present when no team's rules took the lead and the fallback team did, and why: counted, never silent. */
  @Optional() @IsIn(ASSIGNMENT_FALLBACK_REASONS) readonly fallbackReason?: AssignmentFallbackReason;
}

export class LeadHandoffSlaBreachedData {
  @IsUUID() readonly leadId!: string;
  @Text(OWNER_LENGTH) readonly owner!: string;
  @Text(TEAM_LENGTH) readonly team!: string;
  @Instant() readonly slaDueAt!: string;
}

/** Another rep owns the lead from now on. */
export class LeadReassignedData {
  @IsUUID() readonly leadId!: string;
  @Text(OWNER_LENGTH) readonly from!: string;
  @Text(OWNER_LENGTH) readonly to!: string;
  @Text(TEAM_LENGTH) readonly team!: string;
  @IsIn(REASSIGNMENT_REASONS) readonly reason!: ReassignmentReason;
  @Optional() @Text(NOTE_LENGTH) readonly note?: string;
  /** The new owner's handoff SLA, when the lead still awaits acceptance; absent once it was accepted. */
  @Optional() @Instant() readonly slaDueAt?: string;
}

export class LeadAcceptedBySalesData {
  @IsUUID() readonly leadId!: string;
  @Text(OWNER_LENGTH) readonly owner!: string;
}

export class LeadRejectedBySalesData {
  @IsUUID() readonly leadId!: string;
  @Text(OWNER_LENGTH) readonly owner!: string;
  @IsIn(SALES_REJECTION_REASONS) readonly reason!: SalesRejectionReason;
  @Optional() @Text(NOTE_LENGTH) readonly note?: string;
}

/** Back to marketing for nurturing. */
export class LeadRecycledData {
  @IsUUID() readonly leadId!: string;
  @Text(REASON_LENGTH) readonly reason!: string;
  /** Scoring makes the lead an MQL again no earlier than this: sales just said it is not ready. */
  @Optional() @Instant() readonly nurtureUntil?: string;
}

/** One criterion of a qualification framework (BANT, MEDDICC, ...), as configured in config/. */
export class LeadQualificationRecordedData {
  @IsUUID() readonly leadId!: string;
  @Text(FRAMEWORK_LENGTH) readonly framework!: string;
  @Text(CRITERION_LENGTH) readonly criterion!: string;
  @IsIn(CRITERION_VALUES) readonly value!: CriterionValue;
  /** What the rep heard or saw; sales-acceptance requires it for `met`. */
  @Optional() @Text(NOTE_LENGTH) readonly evidence?: string;
  /** A budget's amount, for a criterion that carries one. */
  @Optional() @Nested(() => Money) readonly amount?: Money;
  /** A timeline's date, for a criterion that carries one. */
  @Optional() @CalendarDate() readonly date?: string;
}

/** One criterion's latest recorded value, as carried into the opportunity. */
export class QualificationEvidence {
  @Text(CRITERION_LENGTH) readonly criterion!: string;
  @IsIn(CRITERION_VALUES) readonly value!: CriterionValue;
  @Optional() @Text(NOTE_LENGTH) readonly evidence?: string;
  @Optional() @Nested(() => Money) readonly amount?: Money;
  @Optional() @CalendarDate() readonly date?: string;
}

export class LeadQualifiedData {
  @IsUUID() readonly leadId!: string;
  @Text(FRAMEWORK_LENGTH) readonly framework!: string;
  @ArrayNotEmpty() @TextList(50, CRITERION_LENGTH) readonly criteriaMet!: string[];
}

/** What the opportunity service opens the opportunity with. */
export class LeadConvertedToOpportunityData {
  @IsUUID() readonly leadId!: string;
  /** Derived from the lead: one lead converts to one opportunity, however often it is asked. */
  @IsUUID() readonly opportunityId!: string;
  @Text(OWNER_LENGTH) readonly owner!: string;
  @Text(TEAM_LENGTH) readonly team!: string;
  @Text(FRAMEWORK_LENGTH) readonly framework!: string;
  @NestedList(() => QualificationEvidence, 50) readonly evidence!: QualificationEvidence[];
  /** The initial amount, from the budget evidence when it named one. */
  @Optional() @Nested(() => Money) readonly amount?: Money;
  /** The expected close, from the timeline evidence when it named a date. */
  @Optional() @CalendarDate() readonly expectedCloseDate?: string;
}
