/**
 * Tries a scoring model against every lead before it is trusted:
 *
 *   npm run rescore -- --model config/scoring-model.next.json --dry-run   report MQLs gained and lost
 *   npm run rescore -- --model config/scoring-model.next.json             append the new scores
 *
 * Reads EVENT_STORE (default pglite://./.data). PGlite is one process's database: stop the pipeline
 * before rescoring its ./.data; PostgreSQL and EventStoreDB can be rescored while services run.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { systemClock } from '@leadledger/contracts';
import { openEventStorage } from '@leadledger/eventstore';
import { loadScoringModel, rescoreAll } from '@leadledger/marketing-scoring';

const SHOWN_IDS = 20;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { model: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
  });
  if (!values.model) throw new Error('usage: npm run rescore -- --model <file> [--dry-run]');
  const { model } = loadScoringModel(values.model);
  const storage = await openEventStorage(process.env.EVENT_STORE || 'pglite://./.data');
  try {
    const dryRun = values['dry-run'] ?? false;
    const report = await rescoreAll(storage.events, systemClock, model, { dryRun });
    console.log(
      `model ${report.modelVersion}${dryRun ? ' (dry run)' : ''}: ${report.leads} leads, ${report.mqlsNow} MQLs now; ` +
        `the model gains ${report.gained.length} and loses ${report.lost.length}` +
        (dryRun ? '' : `; ${report.appended} events appended`),
    );
    if (report.gained.length > 0) console.log(`gained: ${report.gained.slice(0, SHOWN_IDS).join(' ')}`);
    if (report.lost.length > 0) console.log(`lost: ${report.lost.slice(0, SHOWN_IDS).join(' ')}`);
    const events = Object.entries(report.events).map(([name, count]) => `${count} ${name}`);
    console.log(
      `${dryRun ? 'would append' : 'appended'}: ${events.length > 0 ? events.join(', ') : 'nothing'}`,
    );
  } finally {
    await storage.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
