// class-transformer's @Type reads reflected metadata: the polyfill must load before any payload class is declared.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsObject,
  isRFC3339,
  IsString,
  Length,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  isISO8601,
  matches,
} from 'class-validator';

/**
 * Field rules shared by every payload class. Each one bundles the class-validator decorators a kind of
 * field always needs together, so a payload reads as a list of fields and what they are.
 */

type PayloadClass = new () => object;

/** Applies the decorators as if stacked in this order above the property, i.e. the last one first. */
function allOf(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, propertyKey) =>
    [...decorators].reverse().forEach((decorate) => decorate(target, propertyKey));
}

/**
 * Absent is fine, null is not. class-validator's @IsOptional lets null through, but the TypeScript types say
 * `field?: T`, so a null would reach domain code that does not expect one.
 */
export const Optional = (): PropertyDecorator =>
  ValidateIf((_payload: object, value: unknown) => value !== undefined);

/** Non-empty and bounded: every string that reaches a stream has a ceiling, so no payload can bloat it. */
export const Text = (maxLength: number): PropertyDecorator => allOf(IsString(), Length(1, maxLength));

export const TEXT_OR_NUMBER_RULE = 'isTextOrNumber';

/**
 * Descriptive text as forms send it: a non-empty bounded string or, from forms that type their inputs, a finite
 * number (a phone, a size, a UTM value). For request bodies whose values are normalized before they reach a
 * stream; payloads themselves hold `Text`.
 */
export const TextOrNumber = (maxLength: number): PropertyDecorator =>
  ValidateBy({
    name: TEXT_OR_NUMBER_RULE,
    constraints: [maxLength],
    validator: {
      validate: (value: unknown) =>
        (typeof value === 'string' && value.length >= 1 && value.length <= maxLength) ||
        (typeof value === 'number' && Number.isFinite(value)),
      defaultMessage: () => `$property must be text (up to ${maxLength} characters) or a number`,
    },
  });

/** A list of distinct bounded strings. */
export const TextList = (maxItems: number, maxLength: number): PropertyDecorator =>
  allOf(
    IsArray(),
    ArrayMaxSize(maxItems),
    ArrayUnique(),
    IsString({ each: true }),
    Length(1, maxLength, { each: true }),
  );

/** A whole percentage, e.g. a win probability. */
export const Percentage = (): PropertyDecorator => allOf(IsInt(), Min(0), Max(100));

/**
 * A point in time with an explicit offset. ISO 8601 alone would accept `2025-03-01` or a local time without
 * offset, and neither names one instant.
 */
export const INSTANT_RULE = 'isReadableInstant';

/**
 * An RFC 3339 date-time with offset that every later stage can read. RFC 3339 allows a leap second
 * (`23:59:60`), which no JavaScript Date reads: accepted once, such a time made every later rescore of
 * its lead fail. It is refused here, with the fix in the message, instead.
 */
export const Instant = (): PropertyDecorator =>
  ValidateBy({
    name: INSTANT_RULE,
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && isRFC3339(value) && !Number.isNaN(Date.parse(value)),
      defaultMessage: (args) =>
        typeof args?.value === 'string' && isRFC3339(args.value)
          ? '$property is a time no later stage can read (a leap second?): use :59.999 for a leap second'
          : '$property must be an RFC 3339 date-time with offset, e.g. 2025-03-01T09:30:00Z',
    },
  });

export const CALENDAR_DATE_RULE = 'isCalendarDate';

/** A day without a time of day (close dates are days in the seller's calendar, not instants). */
export const CalendarDate = (): PropertyDecorator =>
  ValidateBy({
    name: CALENDAR_DATE_RULE,
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        matches(value, /^\d{4}-\d{2}-\d{2}$/) &&
        isISO8601(value, { strict: true }),
      defaultMessage: () => '$property must be a calendar date YYYY-MM-DD',
    },
  });

/**
 * One nested value object. @IsObject is needed beside @ValidateNested because the latter validates each element
 * of an array it is given, and would accept `[money]` where one `money` belongs.
 */
export const Nested = (payloadClass: () => PayloadClass): PropertyDecorator =>
  allOf(IsObject(), ValidateNested(), Type(payloadClass));

export const LIST_OF_OBJECTS_RULE = 'isListOfObjects';

const isRecord = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A list of value objects. Each item is checked to be an object first, naming the first that is not:
 * @ValidateNested passes an item that is itself a list (`[[]]`) and checks nothing inside it.
 */
export const NestedList = (payloadClass: () => PayloadClass, maxItems: number): PropertyDecorator =>
  allOf(
    IsArray(),
    ArrayMaxSize(maxItems),
    ValidateBy({
      name: LIST_OF_OBJECTS_RULE,
      validator: {
        validate: (value: unknown) => !Array.isArray(value) || value.every(isRecord),
        defaultMessage: (args) =>
          `$property[${Array.isArray(args?.value) ? args.value.findIndex((item) => !isRecord(item)) : 0}] ` +
          'must be an object',
      },
    }),
    ValidateNested({ each: true }),
    Type(payloadClass),
  );
