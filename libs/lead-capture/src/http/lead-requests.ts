import {
  Instant,
  LeadCapturedData,
  LeadEngagementRecordedData,
  Nested,
  Optional,
  TextOrNumber,
} from '@leadledger/contracts';
import { OmitType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsEmail, MaxLength, ValidateBy } from 'class-validator';
import { hasInvisibleCharacters, INVISIBLE_CHARACTERS_REASON } from '../domain/email-address';
import type { FormText } from '../domain/lead-submission';

/*
 * A lead is never lost over an optional field: descriptive fields take what real forms send (numbers for
 * text, a country's name, a size band, one full name) and the domain normalizes them (lead-submission.ts),
 * keeping as given what it cannot. Only what identifies or routes a lead is refused when wrong: the source,
 * the external id, and the email, which keys the lead's identity.
 */

/**
 * Far above any event field's ceiling, which the domain cuts text to: this bound only keeps a hostile
 * request from carrying megabytes into normalization.
 */
const FormTextField = (): PropertyDecorator => TextOrNumber(2_000);

const VisibleCharactersOnly = (): PropertyDecorator =>
  ValidateBy({
    name: 'hasNoInvisibleCharacters',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !hasInvisibleCharacters(value),
      defaultMessage: () => `$property ${INVISIBLE_CHARACTERS_REASON}`,
    },
  });

export class ContactRequest {
  /**
   * Normalized to one canonical form before identity (NFKC, lower case, ASCII/punycode domain); an address
   * with invisible characters is refused, since it would look like another lead's and key a different one.
   */
  @Optional() @IsEmail() @MaxLength(254) @VisibleCharactersOnly() readonly email?: string;
  @Optional() @FormTextField() readonly firstName?: FormText;
  @Optional() @FormTextField() readonly lastName?: FormText;
  /** For forms with one name box: split on the last space into first and last name when those are absent. */
  @Optional() @FormTextField() readonly fullName?: FormText;
  @Optional() @FormTextField() readonly phone?: FormText;
  @Optional() @FormTextField() readonly jobTitle?: FormText;
}

export class CompanyRequest {
  @Optional() @FormTextField() readonly name?: FormText;
  /** Employees: `250`, `"250"`, `"1,000"`, or a band (`"51-200"`, `"1,000+"`), read as its lower bound. */
  @Optional() @FormTextField() readonly size?: FormText;
  @Optional() @FormTextField() readonly industry?: FormText;
  /** An ISO 3166-1 alpha-2 or alpha-3 code or a country's name, in any case; kept as given when no country. */
  @Optional() @FormTextField() readonly country?: FormText;
}

export class UtmRequest {
  @Optional() @FormTextField() readonly source?: FormText;
  @Optional() @FormTextField() readonly medium?: FormText;
  @Optional() @FormTextField() readonly campaign?: FormText;
  @Optional() @FormTextField() readonly term?: FormText;
  @Optional() @FormTextField() readonly content?: FormText;
}

/**
 * A lead as other systems submit it: LeadCaptured's fields without the id leadledger assigns, the
 * descriptive ones in the shapes forms send. `occurredAt` lets an import keep when the lead really came in.
 */
export class LeadSubmissionRequest extends OmitType(LeadCapturedData, [
  'leadId',
  'sourceDetail',
  'utm',
  'contact',
  'company',
] as const) {
  /** Which form, list, event or partner, e.g. `contact-us`, `saastr-2025`. */
  @Optional() @FormTextField() readonly sourceDetail?: FormText;
  @Optional() @Nested(() => UtmRequest) readonly utm?: UtmRequest;
  @Nested(() => ContactRequest) readonly contact!: ContactRequest;
  @Optional() @Nested(() => CompanyRequest) readonly company?: CompanyRequest;
  /** When the lead showed interest (RFC 3339); now when absent. */
  @Optional() @Instant() readonly occurredAt?: string;
}

/** LeadSubmissionRequest and the request classes it nests: every one needs a schema where it is published. */
export const LEAD_SUBMISSION_REQUEST_CLASSES = [
  ContactRequest,
  CompanyRequest,
  UtmRequest,
  LeadSubmissionRequest,
] as const;

/** An activity of a known lead, as a tracking system reports it. */
export class EngagementRequest extends OmitType(LeadEngagementRecordedData, ['leadId'] as const) {
  /** When the activity happened (RFC 3339): engagement points decay from this time. */
  @Instant() readonly occurredAt!: string;
}

export const MAX_BATCH_SIZE = 1_000;

/** Items are validated one by one, so one bad lead rejects itself, not the batch. */
export class LeadBatchRequest {
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_BATCH_SIZE) readonly leads!: unknown[];
}
