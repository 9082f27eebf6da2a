import type { ValidationIssue } from './validation';

/**
 * Ceilings on the shape of parsed JSON, checked before anything walks it recursively or per key.
 * class-transformer is quadratic in the keys of one object and recursive in depth, so a 4 MB body could
 * otherwise hold the event loop for minutes or overflow the stack.
 */
export interface JsonShapeLimits {
  /** The root is depth 0; `{"contact":{"email":…}}` reaches 2. */
  readonly maxDepth: number;
  readonly maxKeysPerObject: number;
  readonly maxItemsPerArray: number;
  /** Every value counts: objects, arrays, strings, numbers, booleans and nulls. */
  readonly maxValues: number;
  readonly maxStringLength: number;
  readonly maxKeyLength: number;
}

/**
 * Far above anything a contract declares (a batch of 1,000 full leads is depth 4 and about 30,000 values;
 * the longest field is 2,048 characters; no class declares 20 fields), far below what costs time.
 */
export const DEFAULT_JSON_SHAPE_LIMITS: JsonShapeLimits = {
  maxDepth: 32,
  maxKeysPerObject: 100,
  maxItemsPerArray: 10_000,
  maxValues: 100_000,
  maxStringLength: 10_000,
  maxKeyLength: 100,
};

/**
 * Names no contract may declare: assigned to an object, `__proto__` swaps its prototype and
 * `constructor` shadows the class, and both slip past checks that enumerate own keys.
 */
export const RESERVED_FIELD_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Past this many, more issues tell a client nothing new and only grow the answer. */
const MAX_ISSUES = 20;

// With the u flag a well-formed surrogate pair is one code point, so \p{Cs} matches only a lone half.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * What no stored string may hold: PostgreSQL refuses NUL in text and jsonb, and a lone surrogate is no
 * character at all (it cannot be encoded as UTF-8). A reason, or undefined when the string is fine.
 */
export function unstorableCharacterIn(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(value)) return 'must not contain an unpaired UTF-16 surrogate';
  return undefined;
}

interface Pending {
  readonly value: unknown;
  readonly path: string;
  readonly depth: number;
}

/**
 * One iterative, linear pass over parsed JSON: the limits above, reserved names at every depth, and
 * strings (keys too) no store can keep. A limit ends the pass at once, since walking on is the cost
 * being refused; the other issues are collected, up to a few.
 */
export function jsonShapeIssues(
  data: unknown,
  limits: JsonShapeLimits = DEFAULT_JSON_SHAPE_LIMITS,
  checks: { readonly limitsOnly?: boolean } = {},
): ValidationIssue[] {
  const found: ValidationIssue[] = [];
  // Limits only: the content issues are collected where nobody reads them.
  const issues: ValidationIssue[] = checks.limitsOnly ? [] : found;
  const pending: Pending[] = [{ value: data, path: '', depth: 0 }];
  let values = 0;
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, path, depth } = next;
    if (++values > limits.maxValues) {
      return [{ path, reason: `the body holds more than ${limits.maxValues} values` }];
    }
    if (typeof value === 'string') {
      if (value.length > limits.maxStringLength) {
        return [{ path, reason: `must be at most ${limits.maxStringLength} characters long` }];
      }
      const unstorable = unstorableCharacterIn(value);
      if (unstorable) issues.push({ path, reason: unstorable });
    } else if (value !== null && typeof value === 'object') {
      if (depth >= limits.maxDepth) {
        return [{ path, reason: `nests deeper than ${limits.maxDepth} levels` }];
      }
      const limitIssue = Array.isArray(value)
        ? pushItems(value, path, depth, limits, pending)
        : pushFields(value as Record<string, unknown>, path, depth, limits, pending, issues);
      if (limitIssue) return [limitIssue];
    }
    if (issues.length >= MAX_ISSUES) break;
  }
  return found.slice(0, MAX_ISSUES);
}

function pushItems(
  items: readonly unknown[],
  path: string,
  depth: number,
  limits: JsonShapeLimits,
  pending: Pending[],
): ValidationIssue | undefined {
  if (items.length > limits.maxItemsPerArray) {
    return { path, reason: `must hold at most ${limits.maxItemsPerArray} items` };
  }
  // Pushed last to first, so items are checked (and their issues reported) in order.
  for (let index = items.length - 1; index >= 0; index--) {
    pending.push({ value: items[index], path: joinPath(path, String(index)), depth: depth + 1 });
  }
  return undefined;
}

function pushFields(
  object: Record<string, unknown>,
  path: string,
  depth: number,
  limits: JsonShapeLimits,
  pending: Pending[],
  issues: ValidationIssue[],
): ValidationIssue | undefined {
  const keys = Object.keys(object);
  if (keys.length > limits.maxKeysPerObject) {
    return { path, reason: `must have at most ${limits.maxKeysPerObject} fields, has ${keys.length}` };
  }
  const fields: Pending[] = [];
  for (const key of keys) {
    if (key.length > limits.maxKeyLength) {
      const shortened = `${key.slice(0, limits.maxKeyLength)}…`;
      return {
        path: joinPath(path, shortened),
        reason: `field names are at most ${limits.maxKeyLength} characters`,
      };
    }
    const fieldPath = joinPath(path, key);
    const unstorable = unstorableCharacterIn(key);
    if (RESERVED_FIELD_NAMES.has(key)) {
      issues.push({ path: fieldPath, reason: 'is a reserved name, never a field' });
    } else if (unstorable) {
      issues.push({ path: fieldPath, reason: `is no field: its name ${unstorable}` });
    } else {
      fields.push({ value: object[key], path: fieldPath, depth: depth + 1 });
    }
  }
  pending.push(...fields.reverse());
  return undefined;
}

function joinPath(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}
