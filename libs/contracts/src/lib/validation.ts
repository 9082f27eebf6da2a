import { plainToInstance } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { type ValidationError, getMetadataStorage, isObject, validateSync } from 'class-validator';
import { jsonShapeIssues } from './json-shape';

export {
  DEFAULT_JSON_SHAPE_LIMITS,
  RESERVED_FIELD_NAMES,
  jsonShapeIssues,
  unstorableCharacterIn,
  type JsonShapeLimits,
} from './json-shape';

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
  // Hostile shapes (too deep, too many keys, reserved names, unstorable strings) end here, before any
  // recursive or per-key work.
  const shapeIssues = jsonShapeIssues(data);
  if (shapeIssues.length > 0) return shapeIssues;
  // class-transformer never sees an undeclared field: its cost grows with the square of an object's keys.
  const { declared, undeclared } = declaredPartOf(rules, data);
  return [
    ...undeclared,
    ...validationIssuesOf(
      validateSync(plainToInstance(rules, declared), {
        whitelist: true,
        forbidNonWhitelisted: true,
        forbidUnknownValues: true,
      }),
    ),
  ];
}

type PayloadClass = new () => object;

/** The fields a class declares (any class-validator rule declares one), by class: they never change. */
const declaredFieldsByClass = new WeakMap<PayloadClass, ReadonlySet<string>>();

function declaredFieldsOf(rules: PayloadClass): ReadonlySet<string> {
  let fields = declaredFieldsByClass.get(rules);
  if (!fields) {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(rules, '', true, false);
    fields = new Set(metadata.map(({ propertyName }) => propertyName));
    declaredFieldsByClass.set(rules, fields);
  }
  return fields;
}

/** The class a declared field nests (its @Type), if any. */
function nestedClassOf(rules: PayloadClass, field: string): PayloadClass | undefined {
  return defaultMetadataStorage.findTypeMetadata(rules, field)?.typeFunction() as PayloadClass | undefined;
}

/**
 * The data with only the fields its class (and each nested class) declares, and an issue per field it
 * does not, worded as class-validator words them. Walks nothing undeclared; recursion is bounded by the
 * shape check's depth limit.
 */
function declaredPartOf(
  rules: PayloadClass,
  data: object,
  path = '',
): { declared: Record<string, unknown>; undeclared: ValidationIssue[] } {
  const fields = declaredFieldsOf(rules);
  const declared: Record<string, unknown> = {};
  const undeclared: ValidationIssue[] = [];
  for (const [field, value] of Object.entries(data)) {
    const fieldPath = path ? `${path}.${field}` : field;
    if (!fields.has(field)) {
      undeclared.push({ path: fieldPath, reason: 'should not exist' });
      continue;
    }
    const nestedClass = nestedClassOf(rules, field);
    const nest = (item: unknown, itemPath: string): unknown => {
      if (!nestedClass || item === null || typeof item !== 'object' || Array.isArray(item)) return item;
      const part = declaredPartOf(nestedClass, item, itemPath);
      undeclared.push(...part.undeclared);
      return part.declared;
    };
    declared[field] = Array.isArray(value)
      ? value.map((item, index) => nest(item, `${fieldPath}.${index}`))
      : nest(value, fieldPath);
  }
  return { declared, undeclared };
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
