import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeCheckpointStoreContract, describeEventStoreContract } from '../../testing';
import { openEventStorage } from '../create-event-store';

// PGlite is the embedded default, so it is proven as the pipeline opens it: from EVENT_STORE, on disk.
const dataDir = mkdtempSync(join(tmpdir(), 'leadledger-pglite-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describeEventStoreContract(
  'PGlite',
  async () => (await openEventStorage(`pglite://${dataDir}/events`)).events,
);

describeCheckpointStoreContract('PGlite', () => openEventStorage(`pglite://${dataDir}/checkpoints`));
