import type {
  AssignmentFallbackReason,
  CriterionValue,
  LeadEvent,
  Money,
  QualificationEvidence,
  ReassignmentReason,
  SalesRejectionReason,
} from '@leadledger/contracts';
import { DomainError, deriveId, type Decider, type EventMeta } from '@leadledger/eventsourcing';
import {
  frameworkStatus,
  type ConversionMode,
  type QualificationFramework,
} from './qualification-frameworks';

/**
 * Where a lead stands with sales. `recycled` and `disqualified` are off the ladder: a lead's highest
 * stage is the furthest rung it ever reached, kept apart from where it stands now, so a recycled lead
 * still counts as once accepted in the funnel.
 */
export const SALES_STAGES = [
  'new',
  'mql',
  'assigned',
  'sql',
  'qualified',
  'converted',
  'recycled',
  'disqualified',
] as const;
export type SalesStage = (typeof SALES_STAGES)[number];
const LADDER: readonly SalesStage[] = ['new', 'mql', 'assigned', 'sql', 'qualified', 'converted'];

/** Rejections that end the lead's sales life; every other reason sends it back to nurture. */
export const DISQUALIFYING_REJECTIONS: readonly SalesRejectionReason[] = ['not_a_fit', 'duplicate'];

export interface Assignment {
  readonly owner: string;
  readonly team: string;
  /** When the current owner got the lead (business time). */
  readonly assignedAt: string;
  /** Absent once the lead was accepted: the handoff SLA no longer runs. */
  readonly slaDueAt?: string;
  readonly breachedAt?: string;
  readonly fallbackReason?: AssignmentFallbackReason;
}

export interface RecordedCriterion {
  readonly value: CriterionValue;
  readonly evidence?: string;
  readonly amount?: Money;
  readonly date?: string;
}

export interface SalesLead {
  readonly leadId: string;
  readonly stage: SalesStage;
  readonly highestStage: SalesStage;
  /** What assignment rules and the framework choice look at. */
  readonly country?: string;
  readonly companySize?: number;
  /** When the lead last became an MQL: the start of the wait for a rep. */
  readonly mqlAt?: string;
  /** The first assignment of the current cycle: MQL to here is time spent waiting for a rep. */
  readonly firstAssignedAt?: string;
  readonly assignment?: Assignment;
  /** Accepted or rejected: assignment to here is the time the rep took. */
  readonly decidedAt?: string;
  readonly framework?: string;
  /** The latest value of each criterion of `framework`. */
  readonly criteria: Readonly<Record<string, RecordedCriterion>>;
  readonly opportunityId?: string;
  readonly nurtureUntil?: string;
}

/** A lead stream as sales-acceptance folds it: nothing before its capture, nothing after its erasure. */
export type SalesState =
  | { readonly status: 'uncaptured' }
  | { readonly status: 'active'; readonly lead: SalesLead }
  | { readonly status: 'erased'; readonly leadId: string };

export type SalesCommand =
  | {
      readonly type: 'AssignToSales';
      readonly leadId: string;
      readonly owner: string;
      readonly team: string;
      readonly slaDueAt: Date;
      readonly fallbackReason?: AssignmentFallbackReason;
    }
  | {
      readonly type: 'BreachHandoffSla';
      readonly leadId: string;
      readonly slaDueAt: Date;
      readonly now: Date;
    }
  | {
      readonly type: 'Reassign';
      readonly leadId: string;
      readonly to: string;
      readonly team: string;
      readonly reason: ReassignmentReason;
      readonly note?: string;
      /** The new owner's handoff SLA; used only while the lead awaits acceptance. */
      readonly slaDueAt: Date;
    }
  | { readonly type: 'Accept'; readonly leadId: string }
  | {
      readonly type: 'Reject';
      readonly leadId: string;
      readonly reason: SalesRejectionReason;
      readonly note?: string;
      readonly nurtureUntil: Date;
    }
  | {
      readonly type: 'RecordQualification';
      readonly leadId: string;
      /** The framework that applies to the lead (its segment's, config/qualification.json). */
      readonly framework: QualificationFramework;
      readonly conversion: ConversionMode;
      readonly criterion: string;
      readonly value: CriterionValue;
      readonly evidence?: string;
      readonly amount?: Money;
      readonly date?: string;
    }
  | { readonly type: 'Convert'; readonly leadId: string; readonly framework: QualificationFramework }
  | { readonly type: 'Disqualify'; readonly leadId: string; readonly reason: string };

export const initialSalesState: SalesState = { status: 'uncaptured' };

/** One lead converts to one opportunity: its id derives from the lead's, however often conversion is asked. */
export const opportunityIdOf = (leadId: string): string => deriveId('opportunity-of-lead', leadId);

export function decide(command: SalesCommand, state: SalesState): LeadEvent[] {
  const lead = activeLead(command, state);
  switch (command.type) {
    case 'AssignToSales':
      return assign(command, lead);
    case 'BreachHandoffSla':
      return breach(command, lead);
    case 'Reassign':
      return reassign(command, lead);
    case 'Accept':
      return accept(lead);
    case 'Reject':
      return reject(command, lead);
    case 'RecordQualification':
      return recordQualification(command, lead);
    case 'Convert':
      return convert(command, lead);
    case 'Disqualify':
      return disqualify(command, lead);
  }
}

export function evolve(state: SalesState, event: LeadEvent, meta: EventMeta): SalesState {
  if (event.type === 'LeadCaptured' && state.status === 'uncaptured') {
    const { leadId, company } = event.data;
    return {
      status: 'active',
      lead: {
        leadId,
        stage: 'new',
        highestStage: 'new',
        criteria: {},
        ...(company?.country ? { country: company.country } : {}),
        ...(company?.size ? { companySize: company.size } : {}),
      },
    };
  }
  if (state.status !== 'active') return state;
  const lead = state.lead;
  const at = meta.occurredAt;
  switch (event.type) {
    case 'LeadErased':
      return { status: 'erased', leadId: lead.leadId };
    case 'LeadDetailsUpdated': {
      const { changedFields, company } = event.data;
      const changed = new Set(changedFields);
      return active({
        ...lead,
        country: changed.has('company.country') ? company?.country : lead.country,
        companySize: changed.has('company.size') ? company?.size : lead.companySize,
      });
    }
    case 'LeadMarketingQualified':
      // A new sales cycle: what an earlier one assigned and recorded does not carry over.
      return active(
        withStage(
          {
            leadId: lead.leadId,
            stage: lead.stage,
            highestStage: lead.highestStage,
            criteria: {},
            mqlAt: at,
            ...(lead.country ? { country: lead.country } : {}),
            ...(lead.companySize ? { companySize: lead.companySize } : {}),
          },
          'mql',
        ),
      );
    case 'LeadDisqualified':
      return active(withStage(lead, 'disqualified'));
    case 'LeadAssignedToSales': {
      const { owner, team, slaDueAt, fallbackReason } = event.data;
      const assignment: Assignment = {
        owner,
        team,
        assignedAt: at,
        slaDueAt,
        ...(fallbackReason ? { fallbackReason } : {}),
      };
      return active(
        withStage({ ...lead, assignment, firstAssignedAt: lead.firstAssignedAt ?? at }, 'assigned'),
      );
    }
    case 'LeadReassigned': {
      const { to, team, slaDueAt } = event.data;
      const assignment: Assignment = { owner: to, team, assignedAt: at, ...(slaDueAt ? { slaDueAt } : {}) };
      return active({ ...lead, assignment });
    }
    case 'LeadHandoffSlaBreached':
      return lead.assignment
        ? active({ ...lead, assignment: { ...lead.assignment, breachedAt: at } })
        : state;
    case 'LeadAcceptedBySales': {
      const assignment = lead.assignment && withoutSla(lead.assignment);
      return active(withStage({ ...lead, decidedAt: at, ...(assignment ? { assignment } : {}) }, 'sql'));
    }
    case 'LeadRejectedBySales': {
      // The LeadRecycled or LeadDisqualified decided with it moves the stage.
      const assignment = lead.assignment && withoutSla(lead.assignment);
      return active({ ...lead, decidedAt: at, ...(assignment ? { assignment } : {}) });
    }
    case 'LeadRecycled': {
      const { nurtureUntil } = event.data;
      return active(withStage({ ...lead, ...(nurtureUntil ? { nurtureUntil } : {}) }, 'recycled'));
    }
    case 'LeadQualificationRecorded': {
      const { framework, criterion, leadId: _leadId, ...recorded } = event.data;
      // Criteria recorded under another framework (the lead's segment changed) do not count toward this one.
      const criteria = lead.framework === framework ? lead.criteria : {};
      return active({ ...lead, framework, criteria: { ...criteria, [criterion]: recorded } });
    }
    case 'LeadQualified':
      return active(withStage(lead, 'qualified'));
    case 'LeadConvertedToOpportunity':
      return active(withStage({ ...lead, opportunityId: event.data.opportunityId }, 'converted'));
    case 'LeadCaptured':
    case 'LeadEngagementRecorded':
    case 'LeadScored':
      return state;
  }
}

/** A lead's stream as sales-acceptance decides on it. */
export const salesLeadDecider: Decider<SalesCommand, SalesState, LeadEvent> = {
  initialState: initialSalesState,
  decide,
  evolve,
};

function active(lead: SalesLead): SalesState {
  return { status: 'active', lead };
}

function withStage(lead: SalesLead, stage: SalesStage): SalesLead {
  const rung = LADDER.indexOf(stage);
  const highestStage = rung > LADDER.indexOf(lead.highestStage) ? stage : lead.highestStage;
  return { ...lead, stage, highestStage };
}

function withoutSla({ slaDueAt: _slaDueAt, ...assignment }: Assignment): Assignment {
  return assignment;
}

function activeLead(command: SalesCommand, state: SalesState): SalesLead {
  switch (state.status) {
    case 'uncaptured':
      throw new DomainError('not_found', `lead ${command.leadId} does not exist`);
    case 'erased':
      throw new DomainError('conflict', `lead ${command.leadId} was erased`);
    case 'active':
      if (state.lead.leadId !== command.leadId) {
        throw new DomainError(
          'precondition',
          `${command.type} of lead ${command.leadId} was decided on the stream of lead ${state.lead.leadId}`,
        );
      }
      return state.lead;
  }
}

/** A refused lifecycle step: names the step, where the lead stands, and the rule. */
function illegal(step: string, lead: SalesLead, rule: string): DomainError {
  return new DomainError('conflict', `cannot ${step} lead ${lead.leadId}: it is ${lead.stage}; ${rule}`);
}

function assign(command: Extract<SalesCommand, { type: 'AssignToSales' }>, lead: SalesLead): LeadEvent[] {
  // Anything but a fresh MQL was assigned already, or left sales' hands since: a late or repeated MQL changes nothing.
  if (lead.stage !== 'mql') return [];
  const { leadId, owner, team, slaDueAt, fallbackReason } = command;
  return [
    {
      type: 'LeadAssignedToSales',
      data: {
        leadId,
        owner,
        team,
        slaDueAt: slaDueAt.toISOString(),
        ...(fallbackReason ? { fallbackReason } : {}),
      },
    },
  ];
}

/** Once per due time, only if the owner who had it still has it unanswered, and never early. */
function breach(command: Extract<SalesCommand, { type: 'BreachHandoffSla' }>, lead: SalesLead): LeadEvent[] {
  const assignment = lead.assignment;
  if (lead.stage !== 'assigned' || !assignment?.slaDueAt || assignment.breachedAt) return [];
  const dueAt = Date.parse(assignment.slaDueAt);
  if (dueAt !== command.slaDueAt.getTime() || command.now.getTime() < dueAt) return [];
  const { owner, team, slaDueAt } = assignment;
  return [{ type: 'LeadHandoffSlaBreached', data: { leadId: lead.leadId, owner, team, slaDueAt } }];
}

function reassign(command: Extract<SalesCommand, { type: 'Reassign' }>, lead: SalesLead): LeadEvent[] {
  const assignment = lead.assignment;
  if (!assignment || !['assigned', 'sql', 'qualified'].includes(lead.stage)) {
    throw illegal(
      'reassign',
      lead,
      'only a lead assigned to sales and not yet converted has an owner to change',
    );
  }
  if (assignment.owner === command.to) return [];
  const { to, team, reason, note } = command;
  // Only a lead still awaiting its answer has a handoff SLA, and the new owner gets a fresh one.
  const slaDueAt = lead.stage === 'assigned' ? command.slaDueAt.toISOString() : undefined;
  return [
    {
      type: 'LeadReassigned',
      data: {
        leadId: lead.leadId,
        from: assignment.owner,
        to,
        team,
        reason,
        ...(note ? { note } : {}),
        ...(slaDueAt ? { slaDueAt } : {}),
      },
    },
  ];
}

function accept(lead: SalesLead): LeadEvent[] {
  if (lead.stage !== 'assigned' || !lead.assignment) {
    throw illegal('accept', lead, 'a lead is accepted once, while it is assigned and unanswered');
  }
  return [{ type: 'LeadAcceptedBySales', data: { leadId: lead.leadId, owner: lead.assignment.owner } }];
}

function reject(command: Extract<SalesCommand, { type: 'Reject' }>, lead: SalesLead): LeadEvent[] {
  if ((lead.stage !== 'assigned' && lead.stage !== 'sql') || !lead.assignment) {
    throw illegal('reject', lead, 'a lead is rejected while assigned or accepted, before it is qualified');
  }
  const { leadId, reason, note } = command;
  const because = `rejected by sales: ${reason}`;
  const rejected: LeadEvent = {
    type: 'LeadRejectedBySales',
    data: { leadId, owner: lead.assignment.owner, reason, ...(note ? { note } : {}) },
  };
  if (DISQUALIFYING_REJECTIONS.includes(reason)) {
    return [rejected, { type: 'LeadDisqualified', data: { leadId, reason: because } }];
  }
  return [
    rejected,
    {
      type: 'LeadRecycled',
      data: { leadId, reason: because, nurtureUntil: command.nurtureUntil.toISOString() },
    },
  ];
}

function recordQualification(
  command: Extract<SalesCommand, { type: 'RecordQualification' }>,
  lead: SalesLead,
): LeadEvent[] {
  if (lead.stage !== 'sql' && lead.stage !== 'qualified') {
    throw illegal('qualify', lead, 'qualification is recorded for an accepted lead, until it is converted');
  }
  const { framework, criterion, value, evidence, amount, date } = command;
  const definition = framework.criteria.find((each) => each.id === criterion);
  if (!definition) {
    throw new DomainError('invalid', `criterion ${criterion} is not one of the ${framework.id} framework's`, [
      {
        field: 'criterion',
        reason: `must be one of ${framework.criteria.map((each) => each.id).join(', ')}`,
      },
    ]);
  }
  const issues = [
    ...(value === 'met' && !evidence
      ? [{ field: 'evidence', reason: 'is required when the criterion is met' }]
      : []),
    ...(amount && definition.carries !== 'amount'
      ? [{ field: 'amount', reason: `${criterion} carries no amount` }]
      : []),
    ...(date && definition.carries !== 'date'
      ? [{ field: 'date', reason: `${criterion} carries no date` }]
      : []),
  ];
  if (issues.length > 0) throw new DomainError('invalid', `qualification of ${criterion} refused`, issues);
  const recorded: RecordedCriterion = {
    value,
    ...(evidence ? { evidence } : {}),
    ...(amount ? { amount } : {}),
    ...(date ? { date } : {}),
  };
  const criteria = lead.framework === framework.id ? lead.criteria : {};
  if (sameCriterion(criteria[criterion], recorded)) return [];
  const decided: LeadEvent[] = [
    {
      type: 'LeadQualificationRecorded',
      data: { leadId: lead.leadId, framework: framework.id, criterion, ...recorded },
    },
  ];
  if (lead.stage === 'qualified') return decided;
  const after: SalesLead = {
    ...lead,
    framework: framework.id,
    criteria: { ...criteria, [criterion]: recorded },
  };
  const qualified = qualifiedEvents(after, framework);
  if (qualified.length === 0) return decided;
  return [
    ...decided,
    ...qualified,
    ...(command.conversion === 'automatic' ? [conversionOf(after, framework)] : []),
  ];
}

function convert(command: Extract<SalesCommand, { type: 'Convert' }>, lead: SalesLead): LeadEvent[] {
  const { framework } = command;
  if (lead.stage === 'qualified') return [conversionOf(lead, framework)];
  if (lead.stage !== 'sql') {
    throw illegal('convert', lead, 'a lead converts once, after sales accepted and qualified it');
  }
  const qualified = qualifiedEvents(lead, framework);
  if (qualified.length > 0) return [...qualified, conversionOf(lead, framework)];
  const status = frameworkStatus(framework, valuesOf(lead, framework));
  throw new DomainError(
    'precondition',
    `cannot convert lead ${lead.leadId}: the ${framework.id} framework needs ${framework.minimumMet} of ` +
      `${framework.criteria.length} criteria met; ${status.met.length} met so far, ${status.missing} more needed`,
    status.unmet.map((criterion) => ({ field: criterion, reason: 'not met' })),
  );
}

function disqualify(command: Extract<SalesCommand, { type: 'Disqualify' }>, lead: SalesLead): LeadEvent[] {
  if (lead.stage === 'new' || lead.stage === 'converted' || lead.stage === 'disqualified') {
    throw illegal('disqualify', lead, 'sales disqualifies a lead it was handed and has not converted');
  }
  return [{ type: 'LeadDisqualified', data: { leadId: lead.leadId, reason: command.reason } }];
}

function valuesOf(lead: SalesLead, framework: QualificationFramework): Record<string, CriterionValue> {
  if (lead.framework !== framework.id) return {};
  return Object.fromEntries(
    Object.entries(lead.criteria).map(([criterion, { value }]) => [criterion, value]),
  );
}

function qualifiedEvents(lead: SalesLead, framework: QualificationFramework): LeadEvent[] {
  const status = frameworkStatus(framework, valuesOf(lead, framework));
  if (!status.satisfied) return [];
  return [
    {
      type: 'LeadQualified',
      data: { leadId: lead.leadId, framework: framework.id, criteriaMet: [...status.met] },
    },
  ];
}

/** The opportunity opens with the budget's amount and the timeline's date, when the evidence named them. */
function conversionOf(lead: SalesLead, framework: QualificationFramework): LeadEvent {
  const criteria = lead.framework === framework.id ? lead.criteria : {};
  const evidence: QualificationEvidence[] = framework.criteria.flatMap(({ id }) => {
    const recorded = criteria[id];
    return recorded ? [{ criterion: id, ...recorded }] : [];
  });
  const amountCriterion = framework.criteria.find(({ carries }) => carries === 'amount')?.id;
  const dateCriterion = framework.criteria.find(({ carries }) => carries === 'date')?.id;
  const amount = amountCriterion ? criteria[amountCriterion]?.amount : undefined;
  const expectedCloseDate = dateCriterion ? criteria[dateCriterion]?.date : undefined;
  const { owner, team } = lead.assignment as Assignment;
  return {
    type: 'LeadConvertedToOpportunity',
    data: {
      leadId: lead.leadId,
      opportunityId: opportunityIdOf(lead.leadId),
      owner,
      team,
      framework: framework.id,
      evidence,
      ...(amount ? { amount } : {}),
      ...(expectedCloseDate ? { expectedCloseDate } : {}),
    },
  };
}

function sameCriterion(a: RecordedCriterion | undefined, b: RecordedCriterion): boolean {
  return (
    a !== undefined &&
    a.value === b.value &&
    a.evidence === b.evidence &&
    a.date === b.date &&
    a.amount?.amountMinor === b.amount?.amountMinor &&
    a.amount?.currency === b.amount?.currency
  );
}
