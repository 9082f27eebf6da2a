import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { IS_ISO31661_ALPHA_2, IS_ISO4217_CURRENCY_CODE, IS_RFC_3339 } from 'class-validator';
import { targetConstructorToSchema } from 'class-validator-jsonschema';
import { EVENT_CATALOG, EVENT_NAMES, type EventType } from './event-catalog';
import {
  CALENDAR_DATE_RULE,
  INSTANT_RULE,
  LIST_OF_OBJECTS_RULE,
  TEXT_OR_NUMBER_RULE,
} from './events/field-rules';
import { QualificationEvidence, ScoreContribution } from './events/lead-events';
import { Company, Contact, ExternalRef, Money, Utm } from './events/value-objects';

/*
 * JSON Schemas derived from the classes that validate, so documentation and validation cannot drift: the
 * committed event payload schemas (libs/contracts/schemas, kept current by tools/generate-schemas.ts and a spec)
 * and the request bodies services document in OpenAPI.
 */

export type JsonSchema = { readonly [keyword: string]: unknown };

const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';
const DEFS_POINTER = '#/$defs/';

/** Value objects payloads nest; each one referenced becomes a `$defs` entry of the schemas that use it. */
const NESTED_CLASSES: readonly (new () => object)[] = [
  Contact,
  Company,
  Utm,
  ExternalRef,
  Money,
  ScoreContribution,
  QualificationEvidence,
];

type SchemaOptions = NonNullable<Parameters<typeof targetConstructorToSchema>[1]>;

/** Rules class-validator-jsonschema has no converter for, expressed as closely as JSON Schema can. */
const ADDITIONAL_CONVERTERS: SchemaOptions['additionalConverters'] = {
  [IS_RFC_3339]: { type: 'string', format: 'date-time' },
  [CALENDAR_DATE_RULE]: { type: 'string', format: 'date' },
  [INSTANT_RULE]: { type: 'string', format: 'date-time' },
  // Says no more than `items` (the nested class's schema) already does.
  [LIST_OF_OBJECTS_RULE]: { type: 'array' },
  [TEXT_OR_NUMBER_RULE]: (meta) => ({
    oneOf: [{ type: 'string', minLength: 1, maxLength: meta.constraints[0] as number }, { type: 'number' }],
  }),
  [IS_ISO4217_CURRENCY_CODE]: {
    type: 'string',
    pattern: '^[A-Z]{3}$',
    description: 'ISO 4217 currency code',
  },
  [IS_ISO31661_ALPHA_2]: {
    type: 'string',
    pattern: '^[A-Z]{2}$',
    description: 'ISO 3166-1 alpha-2 country code',
  },
};

/** One self-contained schema per versioned event type, keyed by that type. */
export function generateEventSchemas(): Record<EventType, JsonSchema> {
  const nested = new Map(NESTED_CLASSES.map((nestedClass) => [nestedClass.name, classSchema(nestedClass)]));
  const schemas = EVENT_NAMES.map((name) => {
    const { type, dataClass, category } = EVENT_CATALOG[name];
    const root = classSchema(dataClass);
    const defs = Object.fromEntries(
      referencedNames(root, nested).map((defName) => [defName, nested.get(defName) as JsonSchema]),
    );
    const schema: JsonSchema = {
      $schema: DRAFT_2020_12,
      $id: `urn:leadledger:event-data:${type}`,
      title: name,
      description: `The data of ${type} events (${name}), on ${category}-{${category}Id} streams.`,
      ...root,
      ...(Object.keys(defs).length > 0 ? { $defs: defs } : {}),
    };
    return [type, schema] as const;
  });
  return Object.fromEntries(schemas) as Record<EventType, JsonSchema>;
}

export const schemaFileNameOf = (type: EventType): string => `${type}.json`;

/** The exact text of a schema file, so the generator and the freshness check agree byte for byte. */
export const renderSchemaFile = (schema: JsonSchema): string => `${JSON.stringify(schema, null, 2)}\n`;

const OPENAPI_COMPONENTS_POINTER = '#/components/schemas/';

/**
 * OpenAPI component schemas of request classes and of every value object they may nest, keyed by class
 * name: `document.components.schemas`, referenced as `#/components/schemas/<ClassName>`.
 */
export function openApiSchemasOf(requestClasses: readonly (new () => object)[]): Record<string, JsonSchema> {
  return Object.fromEntries(
    [...NESTED_CLASSES, ...requestClasses].map((each) => [
      each.name,
      classSchema(each, OPENAPI_COMPONENTS_POINTER),
    ]),
  );
}

function classSchema(payloadClass: new () => object, refPointerPrefix = DEFS_POINTER): JsonSchema {
  const schema = targetConstructorToSchema(payloadClass, {
    classTransformerMetadataStorage: defaultMetadataStorage,
    refPointerPrefix,
    additionalConverters: ADDITIONAL_CONVERTERS,
  });
  const { properties, required } = schema;
  // Validation forbids undeclared fields, so the schema does too.
  return { type: 'object', properties, ...(required ? { required } : {}), additionalProperties: false };
}

/** Names of the nested definitions a schema needs, following references within them too. */
function referencedNames(schema: JsonSchema, nested: ReadonlyMap<string, JsonSchema>): string[] {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    for (const [keyword, value] of Object.entries(node)) {
      if (keyword === '$ref' && typeof value === 'string') {
        const name = value.slice(DEFS_POINTER.length);
        const definition = nested.get(name);
        if (!value.startsWith(DEFS_POINTER) || !definition) {
          throw new Error(`schema references ${value}: add its class to NESTED_CLASSES in json-schemas.ts`);
        }
        if (!found.has(name)) {
          found.add(name);
          visit(definition);
        }
      } else {
        visit(value);
      }
    }
  };
  visit(schema);
  return [...found].sort();
}
