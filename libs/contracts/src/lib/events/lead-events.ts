import { ArrayNotEmpty, IsIn, IsInt, IsUUID } from 'class-validator';
import { Instant, Nested, NestedList, Optional, Text, TextList } from './field-rules';
import { Company, Contact, ExternalRef, Utm } from './value-objects';

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

// Bounds shared by several payloads.
const REASON_LENGTH = 500;
const NOTE_LENGTH = 2000;
/** A sales user's id, e.g. `ana@example.com`. */
const OWNER_LENGTH = 200;
const MODEL_VERSION_LENGTH = 50;
const RULE_ID_LENGTH = 100;
const FRAMEWORK_LENGTH = 50;
const CRITERION_LENGTH = 100;

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
  @Text(MODEL_VERSION_LENGTH) readonly modelVersion!: string;
}

export class LeadAssignedToSalesData {
  @IsUUID() readonly leadId!: string;
  /** The sales user's id, the same id their actor carries (`user:<id>`). */
  @Text(OWNER_LENGTH) readonly owner!: string;
  /** When the owner must have accepted or rejected the lead. */
  @Instant() readonly slaDueAt!: string;
}

export class LeadHandoffSlaBreachedData {
  @IsUUID() readonly leadId!: string;
  @Text(OWNER_LENGTH) readonly owner!: string;
  @Instant() readonly slaDueAt!: string;
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
}

/** One criterion of a qualification framework (BANT, MEDDICC, ...), as configured in config/. */
export class LeadQualificationRecordedData {
  @IsUUID() readonly leadId!: string;
  @Text(FRAMEWORK_LENGTH) readonly framework!: string;
  @Text(CRITERION_LENGTH) readonly criterion!: string;
  @IsIn(CRITERION_VALUES) readonly value!: CriterionValue;
  @Optional() @Text(NOTE_LENGTH) readonly evidence?: string;
}

export class LeadQualifiedData {
  @IsUUID() readonly leadId!: string;
  @Text(FRAMEWORK_LENGTH) readonly framework!: string;
  @ArrayNotEmpty() @TextList(50, CRITERION_LENGTH) readonly criteriaMet!: string[];
}

export class LeadConvertedToOpportunityData {
  @IsUUID() readonly leadId!: string;
  @IsUUID() readonly opportunityId!: string;
}
