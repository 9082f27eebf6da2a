import {
  CalendarDate,
  CRITERION_VALUES,
  Instant,
  Nested,
  Optional,
  SALES_REJECTION_REASONS,
  Text,
  type CriterionValue,
  type SalesRejectionReason,
} from '@leadledger/contracts';
import { IsBoolean, IsIn, IsISO4217CurrencyCode, IsUppercase, Matches } from 'class-validator';

/*
 * What reps and managers send. Bounds are the events' own, so nothing accepted here is refused on
 * write; amounts are decimal strings, read exactly into minor units.
 */

export class RejectionRequest {
  @IsIn(SALES_REJECTION_REASONS) readonly reason!: SalesRejectionReason;
  @Optional() @Text(2000) readonly note?: string;
}

export class AmountRequest {
  /** A decimal string, e.g. `"125000.00"`: no floating point reaches the amount. */
  @Matches(/^\d{1,16}(\.\d{1,4})?$/, { message: '$property must be a decimal string such as "125000.00"' })
  readonly value!: string;
  @IsISO4217CurrencyCode() @IsUppercase() readonly currency!: string;
}

export class QualificationRequest {
  @Text(50) readonly framework!: string;
  @Text(100) readonly criterion!: string;
  @IsIn(CRITERION_VALUES) readonly value!: CriterionValue;
  /** Required when the criterion is met: what the rep heard or saw. */
  @Optional() @Text(2000) readonly evidence?: string;
  /** For the criterion that carries an amount (BANT's budget). */
  @Optional() @Nested(() => AmountRequest) readonly amount?: AmountRequest;
  /** For the criterion that carries a date (BANT's timeline), e.g. the expected decision. */
  @Optional() @CalendarDate() readonly date?: string;
}

export class DisqualificationRequest {
  @Text(500) readonly reason!: string;
}

export class ReassignmentRequest {
  /** The rep's id, as in config/sales-team.json. */
  @Text(200) readonly owner!: string;
  @Optional() @Text(2000) readonly note?: string;
}

export class AvailabilityRequest {
  @IsBoolean() readonly available!: boolean;
  /** Back by then without another call; only with `available: false`. */
  @Optional() @Instant() readonly until?: string;
  @Optional() @Text(500) readonly note?: string;
}

export const SALES_REQUEST_CLASSES = [
  RejectionRequest,
  AmountRequest,
  QualificationRequest,
  DisqualificationRequest,
  ReassignmentRequest,
  AvailabilityRequest,
];
