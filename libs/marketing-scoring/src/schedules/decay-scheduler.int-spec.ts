import { randomUUID } from 'node:crypto';
import { leadStreamId, type LeadScoredData } from '@leadledger/contracts';
import { openEventStorage, type EventStorage } from '@leadledger/eventstore';
import { eventually } from '@leadledger/testing';
import { DecayScheduler } from './decay-scheduler';
import { MarketingScoringService } from '../marketing-scoring.service';
import { ManualClock, eventNamesOf, seedLead, smallModel } from '../testing/scoring-fixtures';

const DAY = 86_400_000;

describe('DecayScheduler', () => {
  let storage: EventStorage;
  beforeAll(async () => {
    storage = await openEventStorage('pglite://memory');
  });
  afterAll(() => storage.close());

  it('re-evaluates a lead exactly when decay drops it below the MQL engagement threshold, and not before', async () => {
    const start = new Date('2026-11-01T09:00:00Z');
    const clock = new ManualClock(start);
    const scoring = new MarketingScoringService(storage.events, clock, smallModel());
    const leadId = await seedLead(storage.events, {
      size: 250,
      capturedAt: start,
      engagements: [{ activity: 'demo_requested', at: start }],
    });
    await scoring.rescore(leadId, { causationId: randomUUID(), correlationId: randomUUID() });
    const [scored] = await lastScored(leadId);
    const dueAt = new Date(scored.nextReviewAt as string);
    const scheduler = new DecayScheduler(storage.events, scoring, clock);
    const stop = new AbortController();
    const running = scheduler.run(stop.signal, 3_600_000);
    await eventually(() => (scheduler.pending === 1 ? true : undefined));

    // 40 points halve every 10 days; below 29.5 they round under 30 after 10 * log2(40 / 29.5) = 4.39 days.
    expect(dueAt.getTime() - start.getTime()).toBeGreaterThan(4.3 * DAY);
    expect(dueAt.getTime() - start.getTime()).toBeLessThan(4.5 * DAY);
    clock.set(new Date(dueAt.getTime() - 60_000));
    await expect(scheduler.reviewDue()).resolves.toBe(0);
    clock.set(dueAt);
    await expect(scheduler.reviewDue()).resolves.toBe(1);

    const [latest] = await lastScored(leadId);
    expect(latest.engagement).toBeLessThan(30);
    expect(latest.nextReviewAt).toBeUndefined();
    expect(await eventNamesOf(storage.events, leadId)).toEqual([
      'captured.v1',
      'engagement-recorded.v1',
      'scored.v1',
      'marketing-qualified.v1',
      'scored.v1',
    ]);
    await eventually(() => (scheduler.pending === 0 ? true : undefined));
    stop.abort();
    await running;
  });

  async function lastScored(leadId: string): Promise<LeadScoredData[]> {
    const events = await storage.events.readStream(leadStreamId(leadId));
    return events
      .filter((event) => event.type === 'leadledger.lead.scored.v1')
      .map((event) => event.data as LeadScoredData)
      .reverse();
  }
});
