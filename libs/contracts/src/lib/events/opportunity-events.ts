import { IsBoolean, IsIn, IsUUID } from 'class-validator';
import { CalendarDate, Nested, Optional, Percentage, Text, TextList } from './field-rules';
import { Money } from './value-objects';

/*
 * Payloads of the events on `opportunity-{opportunityId}` streams, v1. Stages are configured (config/), so they
 * are bounded strings here rather than a closed set; forecast categories and loss reasons are closed sets because
 * reports group by them.
 */

export const FORECAST_CATEGORIES = ['pipeline', 'best_case', 'commit', 'closed', 'omitted'] as const;
export type ForecastCategory = (typeof FORECAST_CATEGORIES)[number];

export const OPPORTUNITY_LOSS_REASONS = [
  'price',
  'competitor',
  'no_decision',
  'no_budget',
  'timing',
  'product_fit',
  'other',
] as const;
export type OpportunityLossReason = (typeof OPPORTUNITY_LOSS_REASONS)[number];

const NAME_LENGTH = 200;
const STAGE_LENGTH = 50;
const OWNER_LENGTH = 200;
const REASON_LENGTH = 500;
const NOTE_LENGTH = 2000;
const PIPELINE_LENGTH = 50;
const TEAM_LENGTH = 50;

export class OpportunityOpenedData {
  @IsUUID() readonly opportunityId!: string;
  /** The lead it was converted from; absent for one imported from a CRM with no lead of ours behind it. */
  @Optional() @IsUUID() readonly leadId?: string;
  @Text(NAME_LENGTH) readonly name!: string;
  /** The buying company, when known. */
  @Optional() @Text(NAME_LENGTH) readonly account?: string;
  /** The sales user's id, the same id their actor carries (`user:<id>`). */
  @Text(OWNER_LENGTH) readonly owner!: string;
  /** The owner's sales team, whose managers may act on it. */
  @Optional() @Text(TEAM_LENGTH) readonly team?: string;
  /** The stage pipeline (config/pipelines.json) it moves through, chosen at opening. */
  @Text(PIPELINE_LENGTH) readonly pipeline!: string;
  @Text(STAGE_LENGTH) readonly stage!: string;
  @Percentage() readonly probability!: number;
  /** Absent until someone names an amount (a lead converted without a budget). */
  @Optional() @Nested(() => Money) readonly amount?: Money;
  @CalendarDate() readonly expectedCloseDate!: string;
  @IsIn(FORECAST_CATEGORIES) readonly forecastCategory!: ForecastCategory;
  /** Qualification criteria the lead met, which stages' exit criteria may ask for (e.g. `authority`). */
  @Optional() @TextList(50, 100) readonly criteriaMet?: string[];
}

/**
 * `probability` and `forecastCategory` are the ones that apply from now on: the stage's defaults, or a
 * rep's category override that outlives the move.
 */
export class OpportunityStageChangedData {
  @IsUUID() readonly opportunityId!: string;
  @Text(STAGE_LENGTH) readonly from!: string;
  @Text(STAGE_LENGTH) readonly to!: string;
  @Percentage() readonly probability!: number;
  @Optional() @IsIn(FORECAST_CATEGORIES) readonly forecastCategory?: ForecastCategory;
  /** Why; required when it moves back. */
  @Optional() @Text(NOTE_LENGTH) readonly note?: string;
}

export class OpportunityAmountChangedData {
  @IsUUID() readonly opportunityId!: string;
  /** Absent when the opportunity had no amount yet. */
  @Optional() @Nested(() => Money) readonly from?: Money;
  @Nested(() => Money) readonly to!: Money;
}

/** One event per change, so the read side counts every push (slippage) and every pull-in. */
export class OpportunityCloseDateChangedData {
  @IsUUID() readonly opportunityId!: string;
  @CalendarDate() readonly from!: string;
  @CalendarDate() readonly to!: string;
}

export class OpportunityForecastCategoryChangedData {
  @IsUUID() readonly opportunityId!: string;
  @IsIn(FORECAST_CATEGORIES) readonly from!: ForecastCategory;
  @IsIn(FORECAST_CATEGORIES) readonly to!: ForecastCategory;
  /** True when a rep set it against the stage's default; false when it went back to the default. */
  @Optional() @IsBoolean() readonly override?: boolean;
  @Optional() @Text(NOTE_LENGTH) readonly note?: string;
}

export class OpportunityOwnerChangedData {
  @IsUUID() readonly opportunityId!: string;
  @Text(OWNER_LENGTH) readonly from!: string;
  @Text(OWNER_LENGTH) readonly to!: string;
  /** The new owner's team, when it is known. */
  @Optional() @Text(TEAM_LENGTH) readonly team?: string;
}

/** `amount` is what was signed, which may differ from the last forecast amount. */
export class OpportunityWonData {
  @IsUUID() readonly opportunityId!: string;
  @Nested(() => Money) readonly amount!: Money;
  @CalendarDate() readonly closedOn!: string;
}

export class OpportunityLostData {
  @IsUUID() readonly opportunityId!: string;
  @IsIn(OPPORTUNITY_LOSS_REASONS) readonly reason!: OpportunityLossReason;
  /** Who won instead, when known. */
  @Optional() @Text(NAME_LENGTH) readonly competitor?: string;
  @Optional() @Text(2000) readonly note?: string;
  @CalendarDate() readonly closedOn!: string;
}

export class OpportunityReopenedData {
  @IsUUID() readonly opportunityId!: string;
  /** The stage it reopens in, with that stage's probability and category. */
  @Text(STAGE_LENGTH) readonly stage!: string;
  @Percentage() readonly probability!: number;
  @IsIn(FORECAST_CATEGORIES) readonly forecastCategory!: ForecastCategory;
  @Text(REASON_LENGTH) readonly reason!: string;
}
