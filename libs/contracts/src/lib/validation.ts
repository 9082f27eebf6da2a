import { plainToInstance } from 'class-transformer';
import { type ValidationError, isObject, validateSync } from 'class-validator';

export interface ValidationIssue {
  /** Dotted path into the data, array indexes included (`breakdown.0.points`); empty for the data itself. */
  readonly path: string;
  readonly reason: string;
}

/**
 * Checks plain data against a class's rules: every rule, plus no field the class does not declare (a
 * typo, or a field of another version, must not slip through). The one validation path for event
 * payloads, HTTP bodies and Kafka messages alike.
 */
export function validateAgainst(rules: new () => object, data: unknown): ValidationIssue[] {
  if (!isObject(data) || Array.isArray(data)) return [{ path: '', reason: 'must be an object' }];
  return validationIssuesOf(
    validateSync(plainToInstance(rules, data), {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
    }),
  );
}

/** class-validator's error tree as a flat list with dotted paths. */
export function validationIssuesOf(errors: readonly ValidationError[], parentPath = ''): ValidationIssue[] {
  return errors.flatMap((error) => {
    const path = parentPath ? `${parentPath}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      path,
      reason: reasonOf(message, error.property),
    }));
    return [...own, ...validationIssuesOf(error.children ?? [], path)];
  });
}

/** class-validator messages open with the property ("email must be an email"); the path names it already. */
function reasonOf(message: string, property: string): string {
  const subject = ['', 'property ', 'nested property ']
    .map((prefix) => `${prefix}${property} `)
    .find((s) => message.startsWith(s));
  return subject ? message.slice(subject.length) : message;
}
