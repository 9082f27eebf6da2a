import {
  CalendarDate,
  FORECAST_CATEGORIES,
  OPPORTUNITY_LOSS_REASONS,
  Optional,
  Text,
  type ForecastCategory,
  type OpportunityLossReason,
} from '@leadledger/contracts';
import { IsIn, IsISO4217CurrencyCode, IsUppercase, Matches } from 'class-validator';

/*
 * What reps and managers send. Amounts are decimal strings read exactly into minor units; dates are
 * calendar dates. Bounds are the events' own.
 */

const DecimalAmount = (): PropertyDecorator =>
  Matches(/^\d{1,16}(\.\d{1,4})?$/, { message: '$property must be a decimal string such as "125000.00"' });

export class StageRequest {
  @Text(50) readonly to!: string;
  /** Required when moving back. */
  @Optional() @Text(2000) readonly note?: string;
}

export class AmountRequest {
  @DecimalAmount() readonly amount!: string;
  @IsISO4217CurrencyCode() @IsUppercase() readonly currency!: string;
}

export class CloseDateRequest {
  @CalendarDate() readonly expectedCloseDate!: string;
}

export class ForecastCategoryRequest {
  /** Leave it out to clear the override: back to the stage's default. */
  @Optional() @IsIn(FORECAST_CATEGORIES) readonly category?: ForecastCategory;
  @Optional() @Text(2000) readonly note?: string;
}

export class OwnerRequest {
  @Text(200) readonly owner!: string;
  /** The new owner's sales team, so its managers may act on the opportunity. */
  @Optional() @Text(50) readonly team?: string;
}

export class WonRequest {
  /** What was signed; the current amount when left out. */
  @Optional() @DecimalAmount() readonly amount?: string;
  @Optional() @IsISO4217CurrencyCode() @IsUppercase() readonly currency?: string;
  @CalendarDate() readonly closedAt!: string;
}

export class LostRequest {
  @IsIn(OPPORTUNITY_LOSS_REASONS) readonly reason!: OpportunityLossReason;
  @Optional() @Text(200) readonly competitor?: string;
  @Optional() @Text(2000) readonly note?: string;
  /** Today when left out. */
  @Optional() @CalendarDate() readonly closedAt?: string;
}

export class ReopenRequest {
  @Text(500) readonly note!: string;
  /** The open stage to reopen in; the one it closed from when left out. */
  @Optional() @Text(50) readonly stage?: string;
}

export const OPPORTUNITY_REQUEST_CLASSES = [
  StageRequest,
  AmountRequest,
  CloseDateRequest,
  ForecastCategoryRequest,
  OwnerRequest,
  WonRequest,
  LostRequest,
  ReopenRequest,
];
