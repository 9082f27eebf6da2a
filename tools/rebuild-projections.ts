/**
 * Rebuilds read models from the event store beside the live ones, then swaps them in atomically:
 *
 *   npm run projections:rebuild                          every analytics projection
 *   npm run projections:rebuild -- forecasting.analytics one, by name
 *   npm run projections:rebuild -- --list                the names
 *
 * Reads EVENT_STORE (default pglite://./.data), READ_MODELS_URL and READ_SCHEMA as the services do.
 * On PostgreSQL the services keep serving the live tables meanwhile; PGlite is one process's
 * database, so stop `npm start` before rebuilding its ./.data.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { analyticsProjection, forecastSnapshotsProjection } from '@leadledger/forecasting';
import { openEventStorage, PgDriver } from '@leadledger/eventstore';
import { scoreViewProjection } from '@leadledger/marketing-scoring';
import { opportunitiesProjection } from '@leadledger/opportunity';
import { readPlatformConfig } from '@leadledger/platform';
import { rebuildBeside, type Projection } from '@leadledger/projections';
import { salesLeadsProjection } from '@leadledger/sales-acceptance';

/** Read models a rebuild can redo from events alone (a scheduler's items are not: firing deletes them). */
const REBUILDABLE: readonly Projection[] = [
  analyticsProjection,
  forecastSnapshotsProjection,
  opportunitiesProjection,
  salesLeadsProjection,
  scoreViewProjection,
];

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { list: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  if (values.list) {
    for (const { name } of REBUILDABLE) console.log(name);
    return;
  }
  const chosen = positionals.length === 0 ? REBUILDABLE : positionals.map(byName);
  const config = readPlatformConfig(process.env, {
    service: 'projections-rebuild',
    eventStoreUrl: 'pglite://./.data',
    requireKafka: false,
    relay: false,
  });
  const storage = await openEventStorage(config.eventStoreUrl);
  const db = config.readModels.url
    ? new PgDriver({ connectionString: config.readModels.url, max: 2 })
    : storage.sql;
  if (!db) throw new Error(`the ${storage.kind} event store keeps no read models: set READ_MODELS_URL`);
  const stopping = new AbortController();
  process.once('SIGINT', () => stopping.abort());
  try {
    for (const projection of chosen) {
      const bar = new SingleBar(
        { format: `${projection.name} [{bar}] {value} events | {rate} events/s`, hideCursor: true },
        Presets.shades_classic,
      );
      bar.start(1, 0, { rate: 0 });
      const result = await rebuildBeside({
        events: storage.events,
        db,
        projection,
        schema: config.readModels.schema,
        signal: stopping.signal,
        onProgress: ({ events, head, position, eventsPerSecond }) => {
          // The head is where the live projection stands; past it, the bar just grows with the events.
          const total =
            head !== undefined && position !== undefined && head > position
              ? events + Number(head - position)
              : events;
          bar.setTotal(Math.max(total, 1));
          bar.update(events, { rate: Math.round(eventsPerSecond) });
        },
      });
      bar.setTotal(Math.max(result.events, 1));
      bar.update(result.events, { rate: Math.round(result.eventsPerSecond) });
      bar.stop();
      console.log(
        `${projection.name}: ${result.events} events in ${(result.durationMs / 1000).toFixed(1)} s, ` +
          `${Math.round(result.eventsPerSecond)} events/s; swapped in at position ${result.position ?? 'none'}`,
      );
    }
  } finally {
    if (db !== storage.sql) await db.close();
    await storage.close();
  }
}

function byName(name: string): Projection {
  const projection = REBUILDABLE.find((candidate) => candidate.name === name);
  if (!projection) {
    throw new Error(
      `no projection named "${name}"; these can be rebuilt: ${REBUILDABLE.map((p) => p.name).join(', ')}`,
    );
  }
  return projection;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
