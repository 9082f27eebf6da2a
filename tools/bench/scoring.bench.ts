/**
 * What a score costs: the pure computation for leads with more and more engagements (every rescore
 * recomputes from the whole stream, decay included), and a full rescore on PGlite (read the stream,
 * fold, decide, append).
 *
 *   npm run bench
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { ENGAGEMENT_ACTIVITIES, systemClock } from '@leadledger/contracts';
import { openEventStorage } from '@leadledger/eventstore';
import {
  DEFAULT_SCORING_MODEL_PATH,
  MarketingScoringService,
  loadScoringModel,
  scoreLead,
  type Engagement,
  type LeadFacts,
} from '@leadledger/marketing-scoring';
import { recordResults, type BenchRow } from './results';
import { seedLead } from '../../libs/marketing-scoring/src/testing/scoring-fixtures';

const DAY = 86_400_000;

async function main(): Promise<void> {
  const { model } = loadScoringModel(DEFAULT_SCORING_MODEL_PATH);
  const now = new Date('2026-11-23T12:00:00Z');
  const facts: LeadFacts = {
    source: { value: 'web_form', eventId: randomUUID() },
    'contact.email': { value: 'ana@acme-corp.io', eventId: randomUUID() },
    'contact.jobTitle': { value: 'VP Sales', eventId: randomUUID() },
    'company.size': { value: 400, eventId: randomUUID() },
    'company.industry': { value: 'software', eventId: randomUUID() },
    'company.country': { value: 'DE', eventId: randomUUID() },
  };
  const startedAt = new Date();
  const rows: BenchRow[] = [];
  for (const count of [10, 100, 1_000]) {
    const engagements: Engagement[] = Array.from({ length: count }, (_, i) => ({
      eventId: randomUUID(),
      activity: ENGAGEMENT_ACTIVITIES[i % ENGAGEMENT_ACTIVITIES.length],
      occurredAt: new Date(now.getTime() - (i % 180) * DAY).toISOString(),
    }));
    const iterations = Math.max(50, Math.floor(20_000 / count));
    const started = performance.now();
    for (let i = 0; i < iterations; i++) scoreLead(model, facts, engagements, now);
    const perScore = (performance.now() - started) / iterations;
    rows.push({
      subject: 'scoring model',
      measurement: `scoreLead, ${count} engagements`,
      value: perScore * 1000,
      unit: 'µs',
    });
  }

  const storage = await openEventStorage('pglite://memory');
  const scoring = new MarketingScoringService(storage.events, systemClock, model);
  const leads = 200;
  const leadIds: string[] = [];
  for (let i = 0; i < leads; i++) {
    const engagements = Array.from({ length: 20 }, (_, j) => ({
      activity: ENGAGEMENT_ACTIVITIES[j % ENGAGEMENT_ACTIVITIES.length],
      at: new Date(now.getTime() - j * DAY),
    }));
    leadIds.push(await seedLead(storage.events, { size: 400, capturedAt: now, engagements }));
  }
  const started = performance.now();
  for (const leadId of leadIds)
    await scoring.rescore(leadId, { causationId: randomUUID(), correlationId: randomUUID() });
  const perLead = (performance.now() - started) / leads;
  rows.push({
    subject: 'PGlite (memory)',
    measurement: `rescore a 21-event stream, ${leads} leads`,
    value: perLead,
    unit: 'ms per lead',
  });
  await storage.close();

  recordResults('scoring', startedAt, rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
