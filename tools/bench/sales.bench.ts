/**
 * What an MQL's assignment costs on PGlite (read the lead, every rep's availability, the team's
 * rotation; append the pick and the assignment), as the team's rotation stream grows: each
 * assignment reads the whole rotation stream, so the cost grows with the team's history.
 *
 *   npm run bench
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { systemClock } from '@leadledger/contracts';
import { openEventStorage } from '@leadledger/eventstore';
import { SalesAcceptanceService } from '@leadledger/sales-acceptance';
import { seedMql, shippedSalesConfig } from '../../libs/sales-acceptance/src/testing/sales-fixtures';

async function main(): Promise<void> {
  const storage = await openEventStorage('pglite://memory');
  const sales = new SalesAcceptanceService(storage.events, systemClock, shippedSalesConfig());
  const rows: string[][] = [['measurement', 'value']];
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
    rows.push([`assign an MQL, rotation of ~${upTo} picks`, `${perAssignment.toFixed(2)} ms`]);
    assigned = upTo;
  }
  await storage.close();

  const width = Math.max(...rows.map((row) => row[0].length));
  for (const [measurement, value] of rows)
    console.log(`| ${measurement.padEnd(width)} | ${value.padStart(12)} |`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
