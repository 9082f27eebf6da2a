import {
  decimalOf,
  FORECAST_CATEGORIES,
  OPPORTUNITY_LOSS_REASONS,
  type ForecastCategory,
  type Money,
} from '@leadledger/contracts';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { OpportunityState } from '../domain/opportunity.decider';

export interface AmountView {
  /** Exact, as a decimal string: `"125000.00"`. */
  readonly value: string;
  readonly currency: string;
}

export interface OpportunityView {
  readonly opportunityId: string;
  readonly leadId?: string;
  readonly name: string;
  readonly account?: string;
  readonly owner: string;
  readonly team?: string;
  readonly pipeline: string;
  readonly stage: string;
  readonly status: 'open' | 'won' | 'lost';
  readonly probability: number;
  readonly forecastCategory: ForecastCategory;
  /** The category is a rep's, not the stage's default. */
  readonly categoryOverridden: boolean;
  readonly amount?: AmountView;
  readonly expectedCloseDate: string;
  readonly closedOn?: string;
  readonly lossReason?: string;
  /** The stream revision, also the ETag: what If-Match takes back. */
  readonly revision: number;
}

export function amountView(money: Money): AmountView {
  return { value: decimalOf(money), currency: money.currency };
}

export function toOpportunityView(state: OpportunityState, revision: bigint): OpportunityView | undefined {
  if (state.status === 'none') return undefined;
  const { categoryOverride, amount, criteriaMet: _criteriaMet, ...opportunity } = state.opportunity;
  return {
    ...opportunity,
    status: state.status,
    categoryOverridden: categoryOverride !== undefined,
    ...(amount ? { amount: amountView(amount) } : {}),
    revision: Number(revision),
  };
}

const AMOUNT_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['value', 'currency'],
  properties: {
    value: { type: 'string', example: '125000.00' },
    currency: { type: 'string', example: 'EUR' },
  },
};

export const OPPORTUNITY_VIEW_SCHEMA: SchemaObject = {
  type: 'object',
  required: [
    'opportunityId',
    'name',
    'owner',
    'pipeline',
    'stage',
    'status',
    'probability',
    'forecastCategory',
    'categoryOverridden',
    'expectedCloseDate',
    'revision',
  ],
  properties: {
    opportunityId: { type: 'string', format: 'uuid' },
    leadId: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    account: { type: 'string' },
    owner: { type: 'string' },
    team: { type: 'string' },
    pipeline: { type: 'string' },
    stage: { type: 'string' },
    status: { type: 'string', enum: ['open', 'won', 'lost'] },
    probability: { type: 'integer', minimum: 0, maximum: 100 },
    forecastCategory: { type: 'string', enum: [...FORECAST_CATEGORIES] },
    categoryOverridden: { type: 'boolean' },
    amount: AMOUNT_SCHEMA,
    expectedCloseDate: { type: 'string', format: 'date' },
    closedOn: { type: 'string', format: 'date' },
    lossReason: { type: 'string', enum: [...OPPORTUNITY_LOSS_REASONS] },
    revision: { type: 'integer' },
  },
};

export const OPPORTUNITY_PAGE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['opportunities'],
  properties: {
    opportunities: { type: 'array', items: OPPORTUNITY_VIEW_SCHEMA },
    /** Pass as `after` for the next page; absent on the last. */
    next: { type: 'string', format: 'uuid' },
  },
};

export const OPPORTUNITY_HISTORY_SCHEMA: SchemaObject = {
  type: 'array',
  items: {
    type: 'object',
    required: ['type', 'revision', 'recordedAt', 'data'],
    properties: {
      type: { type: 'string', example: 'OpportunityStageChanged' },
      revision: { type: 'integer' },
      occurredAt: { type: 'string', format: 'date-time' },
      recordedAt: { type: 'string', format: 'date-time' },
      actor: { type: 'string' },
      data: { type: 'object' },
    },
  },
};

export const PIPELINES_SCHEMA: SchemaObject = {
  type: 'array',
  items: {
    type: 'object',
    required: ['id', 'stages'],
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      defaultCloseDays: { type: 'integer' },
      stages: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'probability', 'forecastCategory', 'exitCriteria'],
          properties: {
            id: { type: 'string' },
            probability: { type: 'integer' },
            forecastCategory: { type: 'string', enum: [...FORECAST_CATEGORIES] },
            outcome: { type: 'string', enum: ['won', 'lost'] },
            exitCriteria: { type: 'array', items: { type: 'object' } },
          },
        },
      },
    },
  },
};
