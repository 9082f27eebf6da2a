import { decimalOf } from '@leadledger/contracts';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { frameworkStatus, type QualificationFramework } from '../domain/qualification-frameworks';
import type { SalesLead, SalesStage } from '../domain/sales-lead.decider';
import { SALES_STAGES } from '../domain/sales-lead.decider';

export interface SlaView {
  readonly dueAt?: string;
  /** open: awaiting the answer; breached: the due time passed unanswered; answered: accepted or rejected. */
  readonly status: 'open' | 'breached' | 'answered';
  /** Until the due time, negative once past it; only while awaiting the answer. */
  readonly secondsLeft?: number;
}

export interface CriterionView {
  readonly criterion: string;
  readonly carries?: 'amount' | 'date';
  readonly value: 'met' | 'not_met' | 'unknown';
  readonly evidence?: string;
  readonly amount?: { readonly value: string; readonly currency: string };
  readonly date?: string;
}

/** A lead as its owner works it: where it stands, the SLA, and the qualification so far. */
export interface SalesLeadView {
  readonly leadId: string;
  readonly stage: SalesStage;
  readonly highestStage: SalesStage;
  readonly owner?: string;
  readonly team?: string;
  readonly fallbackReason?: string;
  /** When the lead last became an MQL: from then until the first assignment it waited for a rep. */
  readonly mqlAt?: string;
  readonly firstAssignedAt?: string;
  /** When the current owner got it. */
  readonly assignedAt?: string;
  /** Accepted or rejected at: from the assignment until then, the rep took their time. */
  readonly answeredAt?: string;
  readonly sla?: SlaView;
  readonly qualification: {
    readonly framework: string;
    readonly minimumMet: number;
    readonly satisfied: boolean;
    readonly criteria: readonly CriterionView[];
  };
  readonly opportunityId?: string;
  readonly nurtureUntil?: string;
}

export function toSalesLeadView(
  lead: SalesLead,
  framework: QualificationFramework,
  now: Date,
): SalesLeadView {
  const { assignment } = lead;
  const recorded = lead.framework === framework.id ? lead.criteria : {};
  const status = frameworkStatus(
    framework,
    Object.fromEntries(Object.entries(recorded).map(([criterion, { value }]) => [criterion, value])),
  );
  return {
    leadId: lead.leadId,
    stage: lead.stage,
    highestStage: lead.highestStage,
    ...(assignment
      ? {
          owner: assignment.owner,
          team: assignment.team,
          assignedAt: assignment.assignedAt,
          ...(assignment.fallbackReason ? { fallbackReason: assignment.fallbackReason } : {}),
        }
      : {}),
    ...(lead.mqlAt ? { mqlAt: lead.mqlAt } : {}),
    ...(lead.firstAssignedAt ? { firstAssignedAt: lead.firstAssignedAt } : {}),
    ...(lead.decidedAt ? { answeredAt: lead.decidedAt } : {}),
    ...(assignment ? { sla: slaOf(lead, now) } : {}),
    qualification: {
      framework: framework.id,
      minimumMet: framework.minimumMet,
      satisfied: status.satisfied,
      criteria: framework.criteria.map(({ id, carries }) => {
        const { value = 'unknown', evidence, amount, date } = recorded[id] ?? {};
        return {
          criterion: id,
          ...(carries ? { carries } : {}),
          value,
          ...(evidence ? { evidence } : {}),
          ...(amount ? { amount: { value: decimalOf(amount), currency: amount.currency } } : {}),
          ...(date ? { date } : {}),
        };
      }),
    },
    ...(lead.opportunityId ? { opportunityId: lead.opportunityId } : {}),
    ...(lead.nurtureUntil ? { nurtureUntil: lead.nurtureUntil } : {}),
  };
}

function slaOf(lead: SalesLead, now: Date): SlaView {
  const assignment = lead.assignment;
  if (lead.stage !== 'assigned' || !assignment?.slaDueAt) return { status: 'answered' };
  const dueAt = assignment.slaDueAt;
  return {
    dueAt,
    status: assignment.breachedAt ? 'breached' : 'open',
    secondsLeft: Math.round((Date.parse(dueAt) - now.getTime()) / 1000),
  };
}

const STAGE_SCHEMA: SchemaObject = { type: 'string', enum: [...SALES_STAGES] };

export const SALES_LEAD_VIEW_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['leadId', 'stage', 'highestStage', 'qualification'],
  properties: {
    leadId: { type: 'string', format: 'uuid' },
    stage: STAGE_SCHEMA,
    highestStage: STAGE_SCHEMA,
    owner: { type: 'string' },
    team: { type: 'string' },
    fallbackReason: { type: 'string', enum: ['no_rule_matched', 'no_rep_available', 'everyone_away'] },
    mqlAt: { type: 'string', format: 'date-time' },
    firstAssignedAt: { type: 'string', format: 'date-time' },
    assignedAt: { type: 'string', format: 'date-time' },
    answeredAt: { type: 'string', format: 'date-time' },
    sla: {
      type: 'object',
      required: ['status'],
      properties: {
        dueAt: { type: 'string', format: 'date-time' },
        status: { type: 'string', enum: ['open', 'breached', 'answered'] },
        secondsLeft: { type: 'integer' },
      },
    },
    qualification: {
      type: 'object',
      required: ['framework', 'minimumMet', 'satisfied', 'criteria'],
      properties: {
        framework: { type: 'string' },
        minimumMet: { type: 'integer' },
        satisfied: { type: 'boolean' },
        criteria: {
          type: 'array',
          items: {
            type: 'object',
            required: ['criterion', 'value'],
            properties: {
              criterion: { type: 'string' },
              carries: { type: 'string', enum: ['amount', 'date'] },
              value: { type: 'string', enum: ['met', 'not_met', 'unknown'] },
              evidence: { type: 'string' },
              amount: {
                type: 'object',
                required: ['value', 'currency'],
                properties: { value: { type: 'string' }, currency: { type: 'string' } },
              },
              date: { type: 'string', format: 'date' },
            },
          },
        },
      },
    },
    opportunityId: { type: 'string', format: 'uuid' },
    nurtureUntil: { type: 'string', format: 'date-time' },
  },
};

export const SALES_QUEUE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['leads'],
  properties: { leads: { type: 'array', items: SALES_LEAD_VIEW_SCHEMA } },
};

export const REP_AVAILABILITY_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['rep', 'team', 'available', 'availableNow'],
  properties: {
    rep: { type: 'string' },
    team: { type: 'string' },
    available: { type: 'boolean' },
    availableNow: { type: 'boolean' },
    until: { type: 'string', format: 'date-time' },
    note: { type: 'string' },
  },
};
