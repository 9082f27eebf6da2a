import type { ValidationIssue } from './validation';

/*
 * How configuration files (the scoring model, sales teams, qualification frameworks) word what is wrong in
 * them: paths as a person reads them (`teams[1].reps[0].id`), values quoted and cut short, and no echo of
 * an issue already said. Each parser adds where in its own document an issue sits.
 */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `reps.2.id` reads as `reps[2].id`. */
export function readablePath(segments: readonly string[]): string {
  return segments.reduce(
    (path, segment) =>
      /^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment,
    '',
  );
}

/** The value at a path of the document, by own properties only: `__proto__` in a path finds nothing. */
export function valueAt(document: unknown, segments: readonly string[]): unknown {
  return segments.reduce<unknown>(
    (value, segment) =>
      (isRecord(value) || Array.isArray(value)) && Object.hasOwn(value, segment)
        ? (value as Record<string, unknown>)[segment]
        : undefined,
    document,
  );
}

const MAX_QUOTED = 60;

/** A value from the document, quoted and cut short: hostile text cannot bloat or garble the message. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}…` : value);
}

/** `teams[1] "dach"`, or `teams[1]` when the item has no usable id. */
export function listItemLocation(list: string, item: unknown, index: number): string {
  const id = isRecord(item) && typeof item['id'] === 'string' ? ` ${quoted(item['id'])}` : '';
  return `${list}[${index}]${id}`;
}

/**
 * `reps[2].territories must ...`. Some reasons name the property themselves (`each value in territories ...`,
 * `reps[3] must be an object`): there the property gives way to the path.
 */
export function located(segments: readonly string[], reason: string): string {
  const path = readablePath(segments);
  const property = segments[segments.length - 1];
  const eachPrefix = `each value in ${property} `;
  if (reason.startsWith(eachPrefix)) return `each value in ${path} ${reason.slice(eachPrefix.length)}`;
  if (reason.startsWith(`${property}[`)) return `${path}${reason.slice(property.length)}`;
  return `${path} ${reason}`;
}

const NOT_AN_ARRAY = 'must be an array';
/** ValidateNested's words for a list item that is no object; NestedList says it better, with the index. */
const ITEM_NOT_AN_OBJECT = /^each value in nested property \S+ must be either object or array$/;

/**
 * class-validator checks what is not an array as if it were one element: one "must be an array" says it
 * all, the rest would only echo it.
 */
export function withoutEchoes(issues: readonly ValidationIssue[]): ValidationIssue[] {
  const notArrays = issues.filter(({ reason }) => reason === NOT_AN_ARRAY).map(({ path }) => path);
  return issues.filter(
    ({ path, reason }) =>
      !ITEM_NOT_AN_OBJECT.test(reason) &&
      !notArrays.some((list) => (path === list ? reason !== NOT_AN_ARRAY : path.startsWith(`${list}.`))),
  );
}

/** A configuration document is wrong: the message names where it came from and every rule at fault. */
export class InvalidConfigurationError extends Error {
  override name = 'InvalidConfigurationError';

  constructor(
    /** The file (or whatever else) the document came from. */
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`${source}: ${issues.join('; ')}`);
  }
}
