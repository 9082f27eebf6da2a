import type { Company, Contact, EngagementActivity, LeadDetailField, LeadEvent } from '@leadledger/contracts';
import { DomainError, type Decider } from '@leadledger/eventsourcing';
import { hasHandle } from './identity';
import type { NormalizedSubmission } from './lead-submission';

/** Where a lead stands in the whole lifecycle, whichever service moved it there. */
export type LeadStage =
  | 'captured'
  | 'marketing_qualified'
  | 'disqualified'
  | 'assigned_to_sales'
  | 'sales_accepted'
  | 'rejected_by_sales'
  | 'nurture'
  | 'qualified'
  | 'converted'
  | 'erased';

/** A captured lead: what was submitted about it, and where it stands. */
export interface Lead extends NormalizedSubmission {
  readonly leadId: string;
  readonly stage: LeadStage;
  readonly owner?: string;
  readonly score?: {
    readonly fit: number;
    readonly engagement: number;
    readonly total: number;
    readonly modelVersion: string;
  };
  readonly engagementCount: number;
  /** Ids the tracking system gave engagements, so a repeat of one is recognized. */
  readonly engagementIds: ReadonlySet<string>;
  readonly opportunityId?: string;
}

/** Undefined until the lead is captured. */
export type LeadState = Lead | undefined;

export interface Engagement {
  readonly activity: EngagementActivity;
  readonly detail?: string;
  readonly engagementId?: string;
}

export type LeadCommand =
  | { readonly type: 'SubmitLead'; readonly leadId: string; readonly submission: NormalizedSubmission }
  | { readonly type: 'RecordEngagement'; readonly leadId: string; readonly engagement: Engagement };

/**
 * Every command on a lead reads its whole stream, so a stream that grows without bound makes every
 * later command slower (about 0.05 ms per event). Scoring caps each activity's points per period, so
 * past this many engagements more of them cannot change a score: they come from a bot or a loop.
 */
export const MAX_ENGAGEMENTS_PER_LEAD = 1_000;

export const initialLeadState: LeadState = undefined;

const CONTACT_FIELDS = ['email', 'firstName', 'lastName', 'fullName', 'phone', 'jobTitle'] as const;
const COMPANY_FIELDS = ['name', 'size', 'sizeAsGiven', 'industry', 'country', 'countryAsGiven'] as const;

/**
 * A field kept as given and the fields that, once a submission brings them, say the same thing better: a
 * country recognized now replaces the unrecognized text, a plain size replaces the band it came from, a
 * first or last name replaces the full name that could not be split. Left alone, the stale text would
 * contradict the field beside it.
 */
const SUPERSEDED_BY: readonly (readonly [LeadDetailField, readonly LeadDetailField[]])[] = [
  ['company.countryAsGiven', ['company.country']],
  ['company.sizeAsGiven', ['company.size']],
  ['contact.fullName', ['contact.firstName', 'contact.lastName']],
];

/**
 * A submission for a new lead captures it; for a known one, it updates the fields it brings with
 * new values (first-touch source and UTM stay, and a field it leaves out is kept, not cleared), or
 * changes nothing when it brings nothing new: a duplicate, recognized and dropped.
 */
export function decide(command: LeadCommand, state: LeadState): LeadEvent[] {
  switch (command.type) {
    case 'SubmitLead': {
      const { leadId, submission } = command;
      if (!hasHandle(submission)) {
        throw new DomainError(
          'invalid',
          'a lead needs an email, a phone, or a source system with an external id',
        );
      }
      if (!state) return [{ type: 'LeadCaptured', data: { leadId, ...submission } }];
      assertNotErased(state);
      return detailsChangedBy(state, submission);
    }
    case 'RecordEngagement': {
      if (!state) throw new DomainError('not_found', `lead ${command.leadId} does not exist`);
      assertNotErased(state);
      const { engagementId } = command.engagement;
      if (engagementId && state.engagementIds.has(engagementId)) return [];
      if (state.engagementCount >= MAX_ENGAGEMENTS_PER_LEAD) {
        throw new DomainError(
          'precondition',
          `lead ${state.leadId} has ${MAX_ENGAGEMENTS_PER_LEAD} engagements, the most one lead keeps; ` +
            'more activity adds no score (every activity is capped) and only grows its stream',
        );
      }
      return [{ type: 'LeadEngagementRecorded', data: { leadId: state.leadId, ...command.engagement } }];
    }
  }
}

export function evolve(state: LeadState, event: LeadEvent): LeadState {
  if (event.type === 'LeadCaptured') {
    const { leadId, ...captured } = event.data;
    return { leadId, stage: 'captured', ...captured, engagementCount: 0, engagementIds: new Set() };
  }
  if (!state) return state;
  switch (event.type) {
    case 'LeadDetailsUpdated':
      return applyDetails(state, event.data.changedFields, event.data.contact, event.data.company);
    case 'LeadEngagementRecorded': {
      const { engagementId } = event.data;
      return {
        ...state,
        engagementCount: state.engagementCount + 1,
        engagementIds: engagementId ? new Set([...state.engagementIds, engagementId]) : state.engagementIds,
      };
    }
    case 'LeadErased':
      return {
        ...state,
        stage: 'erased',
        contact: {},
        company: undefined,
        externalRef: undefined,
        utm: undefined,
      };
    case 'LeadScored': {
      const { fit, engagement, total, modelVersion } = event.data;
      return { ...state, score: { fit, engagement, total, modelVersion } };
    }
    case 'LeadMarketingQualified':
      return { ...state, stage: 'marketing_qualified' };
    case 'LeadDisqualified':
      return { ...state, stage: 'disqualified' };
    case 'LeadAssignedToSales':
      return { ...state, stage: 'assigned_to_sales', owner: event.data.owner };
    case 'LeadReassigned':
      return { ...state, owner: event.data.to };
    case 'LeadAcceptedBySales':
      return { ...state, stage: 'sales_accepted', owner: event.data.owner };
    case 'LeadRejectedBySales':
      return { ...state, stage: 'rejected_by_sales' };
    case 'LeadRecycled':
      return { ...state, stage: 'nurture' };
    case 'LeadQualified':
      return { ...state, stage: 'qualified' };
    case 'LeadConvertedToOpportunity':
      return { ...state, stage: 'converted', opportunityId: event.data.opportunityId };
    case 'LeadHandoffSlaBreached':
    case 'LeadQualificationRecorded':
      return state;
  }
}

/** The lead's stream as lead-capture decides on it, and as GET /leads/{id} shows it. */
export const leadDecider: Decider<LeadCommand, LeadState, LeadEvent> = {
  initialState: initialLeadState,
  decide,
  evolve,
};

function assertNotErased(state: Lead): void {
  if (state.stage === 'erased') throw new DomainError('conflict', `lead ${state.leadId} was erased`);
}

function detailsChangedBy(state: Lead, submission: NormalizedSubmission): LeadEvent[] {
  const changedFields: LeadDetailField[] = [];
  const contact: Record<string, unknown> = {};
  const company: Record<string, unknown> = {};
  for (const field of CONTACT_FIELDS) {
    const value = submission.contact[field];
    if (value !== undefined && value !== state.contact[field]) {
      contact[field] = value;
      changedFields.push(`contact.${field}`);
    }
  }
  for (const field of COMPANY_FIELDS) {
    const value = submission.company?.[field];
    if (value !== undefined && value !== state.company?.[field]) {
      company[field] = value;
      changedFields.push(`company.${field}`);
    }
  }
  for (const [asGiven, betterFields] of SUPERSEDED_BY) {
    const brought = (field: LeadDetailField) => valueOf(submission, field) !== undefined;
    if (valueOf(state, asGiven) !== undefined && !brought(asGiven) && betterFields.some(brought)) {
      changedFields.push(asGiven);
    }
  }
  if (changedFields.length === 0) return [];
  return [
    {
      type: 'LeadDetailsUpdated',
      data: {
        leadId: state.leadId,
        ...(Object.keys(contact).length > 0 ? { contact: contact as Contact } : {}),
        ...(Object.keys(company).length > 0 ? { company: company as Company } : {}),
        changedFields,
      },
    },
  ];
}

function valueOf(details: NormalizedSubmission, field: LeadDetailField): unknown {
  const [group, name] = field.split('.') as ['contact' | 'company', string];
  return (details[group] as Record<string, unknown> | undefined)?.[name];
}

/** A field named as changed but absent from the new values was cleared. */
function applyDetails(
  state: Lead,
  changedFields: readonly LeadDetailField[],
  newContact: Contact | undefined,
  newCompany: Company | undefined,
): Lead {
  const contact: Record<string, unknown> = { ...state.contact };
  const company: Record<string, unknown> = { ...state.company };
  for (const changed of changedFields) {
    const [group, field] = changed.split('.') as ['contact' | 'company', string];
    const target = group === 'contact' ? contact : company;
    const source = (group === 'contact' ? newContact : newCompany) as Record<string, unknown> | undefined;
    if (source && source[field] !== undefined) target[field] = source[field];
    else delete target[field];
  }
  return {
    ...state,
    contact: contact as Contact,
    company: Object.keys(company).length > 0 ? (company as Company) : undefined,
  };
}
