import {
  IsEmail,
  IsISO31661Alpha2,
  IsISO4217CurrencyCode,
  IsInt,
  IsUppercase,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { Optional, Text } from './field-rules';

/** A person at the lead's company. Every field is optional: a badge scan may carry a name and nothing else. */
export class Contact {
  @Optional() @IsEmail() @MaxLength(254) readonly email?: string;
  @Optional() @Text(100) readonly firstName?: string;
  @Optional() @Text(100) readonly lastName?: string;
  /** As entered: forms deliver local formats, and the region needed to normalise them is often unknown. */
  @Optional() @Text(40) readonly phone?: string;
  @Optional() @Text(150) readonly jobTitle?: string;
}

export class Company {
  @Optional() @Text(200) readonly name?: string;
  /** Number of employees. */
  @Optional() @IsInt() @Min(1) @Max(10_000_000) readonly size?: number;
  @Optional() @Text(100) readonly industry?: string;
  /** ISO 3166-1 alpha-2, upper-case: read models group by it, so `de` and `DE` must not both occur. */
  @Optional() @IsISO31661Alpha2() @IsUppercase() readonly country?: string;
}

/** Campaign attribution as the landing page received it. */
export class Utm {
  @Optional() @Text(200) readonly source?: string;
  @Optional() @Text(200) readonly medium?: string;
  @Optional() @Text(200) readonly campaign?: string;
  @Optional() @Text(200) readonly term?: string;
  @Optional() @Text(200) readonly content?: string;
}

/** The same record in another system (CRM, marketing automation), e.g. `{ system: 'hubspot', id: '51234' }`. */
export class ExternalRef {
  @Text(50) readonly system!: string;
  @Text(200) readonly id!: string;
}

/** An amount in minor units (cents) so sums stay exact; the currency decides how many minor units make one. */
export class Money {
  @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) readonly amountMinor!: number;
  @IsISO4217CurrencyCode() @IsUppercase() readonly currency!: string;
}
