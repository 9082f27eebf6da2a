/**
 * Writes libs/contracts/schemas/<versioned-type>.json for every event type in the catalog and deletes schema
 * files of types that no longer exist. Run with `npm run schemas`; a spec fails while the files are stale.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  generateEventSchemas,
  renderSchemaFile,
  schemaFileNameOf,
} from '../libs/contracts/src/lib/json-schemas';
import type { EventType } from '@leadledger/contracts';

const schemasDir = resolve(__dirname, '../libs/contracts/schemas');

const schemas = generateEventSchemas();
const fileNames = new Set(Object.keys(schemas).map((type) => schemaFileNameOf(type as EventType)));

mkdirSync(schemasDir, { recursive: true });
const stale = readdirSync(schemasDir).filter((file) => file.endsWith('.json') && !fileNames.has(file));
for (const file of stale) rmSync(join(schemasDir, file));
for (const [type, schema] of Object.entries(schemas)) {
  writeFileSync(join(schemasDir, schemaFileNameOf(type as EventType)), renderSchemaFile(schema));
}

console.log(
  `wrote ${fileNames.size} schemas to ${schemasDir}${stale.length > 0 ? `, removed ${stale.join(', ')}` : ''}`,
);
