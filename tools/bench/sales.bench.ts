/**
 * What an MQL's assignment costs on PGlite (read the lead, every rep's availability, the team's
 * rotation; append the pick and the assignment), as the team's rotation stream grows. Each service
 * keeps its teams' rotation and reads only what was appended since, so the cost should stay flat.
 *
 *   npm run bench
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { systemClock } from '@leadledger/contracts';
import { openEventStorage } from '@leadledger/eventstore';
import { SalesAcceptanceService } from '@leadledger/sales-acceptance';
import { seedMql, shippedSalesConfig } from '../../libs/sales-acceptance/src/testing/sales-fixtures';
import { recordResults, type BenchRow } from './results';

async function main(): Promise<void> {
  const storage = await openEventStorage('pglite://memory');
  const sales = new SalesAcceptanceService(storage.events, systemClock, shippedSalesConfig());
  const startedAt = new Date();
  const rows: BenchRow[] = [];
  let assigned = 0;
  for (const upTo of [100, 1_000, 3_000]) {
    const leadIds: string[] = [];
    for (let i = assigned; i < upTo; i++)
      leadIds.push(await seedMql(storage.events, { country: 'US', size: 400 }));
    // Only the last 100 of each step are timed: the rotation then holds about `upTo` picks.
    const timed = leadIds.slice(-100);
    for (const leadId of leadIds.slice(0, -100))
      await sales.assignMql(leadId, { causationId: randomUUID(), correlationId: randomUUID() });
    const started = performance.now();
    for (const leadId of timed)
      await sales.assignMql(leadId, { causationId: randomUUID(), correlationId: randomUUID() });
    const perAssignment = (performance.now() - started) / timed.length;
    rows.push({
      subject: 'PGlite (memory)',
      measurement: `assign an MQL, rotation of ~${upTo} picks`,
      value: perAssignment,
      unit: 'ms',
    });
    assigned = upTo;
  }
  await storage.close();

  recordResults('sales', startedAt, rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
