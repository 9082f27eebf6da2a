import type { Company, Contact, ExternalRef, LeadSource, Utm } from '@leadledger/contracts';
import { normalizeEmail } from './identity';

/** What another system tells us about a lead: LeadCaptured's fields without the id we assign. */
export interface LeadSubmission {
  readonly source: LeadSource;
  readonly sourceDetail?: string;
  readonly utm?: Utm;
  readonly contact: Contact;
  readonly company?: Company;
  readonly externalRef?: ExternalRef;
}

/** Trims every text field, normalizes the email, and drops fields left empty, so equal input compares equal. */
export function normalizeSubmission(submission: LeadSubmission): LeadSubmission {
  const contact = compact({
    ...trimmed(submission.contact),
    email: submission.contact.email ? normalizeEmail(submission.contact.email) : undefined,
  });
  const company = submission.company ? compact(trimmed(submission.company)) : undefined;
  const utm = submission.utm ? compact(trimmed(submission.utm)) : undefined;
  return compact({
    source: submission.source,
    sourceDetail: submission.sourceDetail?.trim() || undefined,
    utm: utm && Object.keys(utm).length > 0 ? utm : undefined,
    contact,
    company: company && Object.keys(company).length > 0 ? company : undefined,
    externalRef: submission.externalRef
      ? { system: submission.externalRef.system.trim(), id: submission.externalRef.id.trim() }
      : undefined,
  }) as LeadSubmission;
}

function trimmed<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [key, typeof field === 'string' ? field.trim() : field]),
  ) as T;
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined && field !== null && field !== ''),
  ) as T;
}
