import type { Company, Contact, ExternalRef, LeadDetailField, LeadSource, Utm } from '@leadledger/contracts';
import { DomainError } from '@leadledger/eventsourcing';
import { readCountry } from './country';
import { boundedText, readCompanySize, splitFullName } from './descriptive-fields';
import { INVISIBLE_CHARACTERS_REASON, readEmail } from './email-address';

/** Text a form may send as a number (a phone, a UTM value, a size): descriptive either way. */
export type FormText = string | number;

export interface ContactSubmission {
  readonly email?: string;
  readonly firstName?: FormText;
  readonly lastName?: FormText;
  /** For forms without a first/last split; used only when neither firstName nor lastName is sent. */
  readonly fullName?: FormText;
  readonly phone?: FormText;
  readonly jobTitle?: FormText;
}

export interface CompanySubmission {
  readonly name?: FormText;
  /** A number of employees, or text such as `250`, `51-200`, `1,000+`. */
  readonly size?: FormText;
  readonly industry?: FormText;
  /** A code or a name, in any case (`de`, `DEU`, `Germany`, `Deutschland`). */
  readonly country?: FormText;
}

export type UtmSubmission = { readonly [Field in keyof Utm]?: FormText };

/**
 * What another system tells us about a lead, as it sends it: LeadCaptured's fields without the id we
 * assign, with descriptive fields in the shapes real forms use. `normalizeSubmission` makes it a
 * `NormalizedSubmission`.
 */
export interface LeadSubmission {
  readonly source: LeadSource;
  readonly sourceDetail?: FormText;
  readonly utm?: UtmSubmission;
  readonly contact: ContactSubmission;
  readonly company?: CompanySubmission;
  readonly externalRef?: ExternalRef;
}

/** A submission in the form the events carry, so equal input compares equal. */
export interface NormalizedSubmission {
  readonly source: LeadSource;
  readonly sourceDetail?: string;
  readonly utm?: Utm;
  readonly contact: Contact;
  readonly company?: Company;
  readonly externalRef?: ExternalRef;
}

/** Fields whose text was cut to the event's ceiling. */
export type TruncatableField = LeadDetailField | 'sourceDetail' | `utm.${keyof Utm}`;

/**
 * What normalizing found worth counting, never a reason to refuse: the service layer turns findings into
 * metrics (the domain does no I/O). Findings name fields, never values: no personal data.
 */
export type SubmissionFinding =
  | { readonly kind: 'email_mixed_script' }
  | {
      readonly kind: 'kept_as_given';
      readonly field: 'company.country' | 'company.size' | 'contact.fullName';
    }
  | { readonly kind: 'truncated'; readonly field: TruncatableField };

export interface SubmissionReading {
  readonly submission: NormalizedSubmission;
  readonly findings: readonly SubmissionFinding[];
}

/** Ceilings of the event's text fields (value-objects.ts, lead-events.ts). */
const TEXT_LIMITS = {
  sourceDetail: 200,
  utm: 200,
  firstName: 100,
  lastName: 100,
  fullName: 200,
  phone: 40,
  jobTitle: 150,
  companyName: 200,
  industry: 100,
  countryAsGiven: 100,
} as const;

/**
 * Normalizes a submission and reports what it found. The email is canonical (see `readEmail`); the
 * country is ISO alpha-2 or kept as `countryAsGiven`; the size is a number, with bands kept as
 * `sizeAsGiven`; a full name is split into first and last name when those are absent; every text is
 * trimmed and held to its event field's ceiling; blanks are dropped.
 *
 * @throws DomainError `invalid` naming `contact.email` when the email holds invisible characters.
 */
export function readSubmission(submission: LeadSubmission): SubmissionReading {
  const findings: SubmissionFinding[] = [];
  const text = (value: FormText | undefined, field: TruncatableField, maxLength: number) => {
    const trimmed = value === undefined ? '' : String(value).trim();
    if (!trimmed) return undefined;
    const bounded = boundedText(trimmed, maxLength);
    if (bounded.truncated) findings.push({ kind: 'truncated', field });
    return bounded.text;
  };

  const contact = compact<Contact>({
    email: emailOf(submission.contact.email, findings),
    ...namesOf(submission.contact, text, findings),
    phone: text(submission.contact.phone, 'contact.phone', TEXT_LIMITS.phone),
    jobTitle: text(submission.contact.jobTitle, 'contact.jobTitle', TEXT_LIMITS.jobTitle),
  });
  const company = submission.company ? companyOf(submission.company, text, findings) : {};
  const utm = compact<Utm>({
    source: text(submission.utm?.source, 'utm.source', TEXT_LIMITS.utm),
    medium: text(submission.utm?.medium, 'utm.medium', TEXT_LIMITS.utm),
    campaign: text(submission.utm?.campaign, 'utm.campaign', TEXT_LIMITS.utm),
    term: text(submission.utm?.term, 'utm.term', TEXT_LIMITS.utm),
    content: text(submission.utm?.content, 'utm.content', TEXT_LIMITS.utm),
  });
  const normalized = compact<NormalizedSubmission>({
    source: submission.source,
    sourceDetail: text(submission.sourceDetail, 'sourceDetail', TEXT_LIMITS.sourceDetail),
    utm: Object.keys(utm).length > 0 ? utm : undefined,
    contact,
    company: Object.keys(company).length > 0 ? company : undefined,
    externalRef: submission.externalRef
      ? { system: submission.externalRef.system.trim(), id: submission.externalRef.id.trim() }
      : undefined,
  });
  return { submission: normalized, findings };
}

/** `readSubmission` without the findings, for callers that count nothing. */
export function normalizeSubmission(submission: LeadSubmission): NormalizedSubmission {
  return readSubmission(submission).submission;
}

type TextOf = (value: FormText | undefined, field: TruncatableField, maxLength: number) => string | undefined;

function emailOf(email: string | undefined, findings: SubmissionFinding[]): string | undefined {
  if (email === undefined || !email.trim()) return undefined;
  const reading = readEmail(email);
  if (reading.kind === 'invisible_characters') {
    throw new DomainError('invalid', `contact.email ${INVISIBLE_CHARACTERS_REASON}`, [
      { field: 'contact.email', reason: INVISIBLE_CHARACTERS_REASON },
    ]);
  }
  if (reading.kind === 'canonical' && reading.mixedScript) findings.push({ kind: 'email_mixed_script' });
  return reading.email;
}

/** Sent first or last names win over a full name: they are what the person typed into each box. */
function namesOf(contact: ContactSubmission, text: TextOf, findings: SubmissionFinding[]): Partial<Contact> {
  const firstName = text(contact.firstName, 'contact.firstName', TEXT_LIMITS.firstName);
  const lastName = text(contact.lastName, 'contact.lastName', TEXT_LIMITS.lastName);
  if (firstName || lastName) return { firstName, lastName };
  const fullName = text(contact.fullName, 'contact.fullName', TEXT_LIMITS.fullName);
  if (!fullName) return {};
  const split = splitFullName(fullName);
  if ('fullName' in split) {
    findings.push({ kind: 'kept_as_given', field: 'contact.fullName' });
    return split;
  }
  return {
    firstName: text(split.firstName, 'contact.firstName', TEXT_LIMITS.firstName),
    lastName: text(split.lastName, 'contact.lastName', TEXT_LIMITS.lastName),
  };
}

function companyOf(company: CompanySubmission, text: TextOf, findings: SubmissionFinding[]): Company {
  const size = company.size === undefined || company.size === '' ? {} : readCompanySize(company.size);
  if (size.sizeAsGiven !== undefined && size.size === undefined) {
    findings.push({ kind: 'kept_as_given', field: 'company.size' });
  }
  const countryGiven = text(company.country, 'company.countryAsGiven', TEXT_LIMITS.countryAsGiven);
  const country = countryGiven === undefined ? {} : readCountry(countryGiven);
  if ('countryAsGiven' in country) findings.push({ kind: 'kept_as_given', field: 'company.country' });
  return compact<Company>({
    name: text(company.name, 'company.name', TEXT_LIMITS.companyName),
    ...size,
    industry: text(company.industry, 'company.industry', TEXT_LIMITS.industry),
    ...country,
  });
}

function compact<T extends object>(value: { [Key in keyof T]?: T[Key] | undefined }): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined && field !== null && field !== ''),
  ) as T;
}
