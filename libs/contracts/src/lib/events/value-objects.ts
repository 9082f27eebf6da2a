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
  /**
   * A name as one string, kept only when it could not be split into first and last name (a single word, e.g.
   * "Cher": which part it is cannot be told), so no name a form sent is lost.
   */
  @Optional() @Text(200) readonly fullName?: string;
  /** As entered: forms deliver local formats, and the region needed to normalise them is often unknown. */
  @Optional() @Text(40) readonly phone?: string;
  @Optional() @Text(150) readonly jobTitle?: string;
}

export class Company {
  @Optional() @Text(200) readonly name?: string;
  /** Number of employees; for a band such as `51-200` or `1,000+`, its lower bound (see `sizeAsGiven`). */
  @Optional() @IsInt() @Min(1) @Max(10_000_000) readonly size?: number;
  /**
   * The size as the form sent it, when `size` alone does not say all of it (a band, an open range) or when it
   * names no number of employees at all (e.g. `enterprise`).
   */
  @Optional() @Text(50) readonly sizeAsGiven?: string;
  @Optional() @Text(100) readonly industry?: string;
  /** ISO 3166-1 alpha-2, upper-case: read models group by it, so `de` and `DE` must not both occur. */
  @Optional() @IsISO31661Alpha2() @IsUppercase() readonly country?: string;
  /** The country as the form sent it when it names no country (e.g. `Asia/Pacific Region`); `country` is then absent. */
  @Optional() @Text(100) readonly countryAsGiven?: string;
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
