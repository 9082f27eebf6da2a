import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EVENT_CATALOG, EVENT_NAMES, type EventType } from './event-catalog';
import { type JsonSchema, generateEventSchemas, renderSchemaFile, schemaFileNameOf } from './json-schemas';

const schemasDir = resolve(__dirname, '../../schemas');
const schemas = generateEventSchemas();
const FIX = 'run `npm run schemas` and commit libs/contracts/schemas';

describe('JSON Schemas', () => {
  it('has one committed file per event type, each equal to the generated one', () => {
    const committed = existsSync(schemasDir)
      ? readdirSync(schemasDir).filter((file) => file.endsWith('.json'))
      : [];
    const expected = new Map(
      Object.entries(schemas).map(([type, schema]) => [
        schemaFileNameOf(type as EventType),
        renderSchemaFile(schema),
      ]),
    );
    const problems = [
      ...[...expected].flatMap(([file, content]) => {
        if (!committed.includes(file)) return [`${file} is missing: ${FIX}`];
        return readFileSync(join(schemasDir, file), 'utf8') === content ? [] : [`${file} is stale: ${FIX}`];
      }),
      ...committed.filter((file) => !expected.has(file)).map((file) => `${file} has no event type: ${FIX}`),
    ];
    expect(problems).toEqual([]);
  });

  it("makes every payload require its stream's id and forbid undeclared fields", () => {
    for (const name of EVENT_NAMES) {
      const { type, category } = EVENT_CATALOG[name];
      const schema = schemas[type];
      expect(schema).toMatchObject({
        $id: expect.stringContaining(type),
        title: name,
        additionalProperties: false,
      });
      expect(schema['required']).toContain(category === 'lead' ? 'leadId' : 'opportunityId');
    }
  });

  it('stands alone: every $ref points into its own $defs', () => {
    for (const schema of Object.values(schemas)) {
      const defs = (schema['$defs'] ?? {}) as Record<string, JsonSchema>;
      const refs = JSON.stringify(schema).match(/"\$ref":"[^"]+"/g) ?? [];
      for (const ref of refs) expect(Object.keys(defs)).toContain(ref.slice('"$ref":"#/$defs/'.length, -1));
    }
  });
});
