import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreContract } from '../../testing';
import { PgliteDriver } from './pglite-driver';
import { SqlEventStore } from './sql-event-store';

// PGlite is the embedded default, so it is proven on disk, as the pipeline runs it.
const dataDir = mkdtempSync(join(tmpdir(), 'leadledger-pglite-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describeEventStoreContract('PGlite', async () => SqlEventStore.open(await PgliteDriver.open(dataDir)));
