import { randomUUID } from 'node:crypto';
import { leadStreamId, type LeadScoredData } from '@leadledger/contracts';
import { openEventStorage, type EventStorage, type SqlDriver } from '@leadledger/eventstore';
import { DueItemTicker, ProjectionRunner, scheduledItemsProjection } from '@leadledger/projections';
import { MarketingScoringService } from '../marketing-scoring.service';
import { ManualClock, eventNamesOf, seedLead, smallModel } from '../testing/scoring-fixtures';
import { decayReviews, reviewDecay } from './decay-reviews';

const DAY = 86_400_000;

describe('decay reviews', () => {
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
    const { position } = await scoring.rescore(leadId, {
      causationId: randomUUID(),
      correlationId: randomUUID(),
    });
    const [scored] = await lastScored(leadId);
    const dueAt = new Date(scored.nextReviewAt as string);
    const runner = runnerOf();
    const ticker = tickerOf(scoring, clock);
    runner.start();
    await runner.waitFor(position as bigint, 20_000);

    // 40 points halve every 10 days; below 29.5 they round under 30 after 10 * log2(40 / 29.5) = 4.39 days.
    expect(dueAt.getTime() - start.getTime()).toBeGreaterThan(4.3 * DAY);
    expect(dueAt.getTime() - start.getTime()).toBeLessThan(4.5 * DAY);
    clock.set(new Date(dueAt.getTime() - 60_000));
    await expect(ticker.runDue()).resolves.toEqual({ fired: 0, failed: 0 });
    clock.set(dueAt);
    await expect(ticker.runDue()).resolves.toEqual({ fired: 1, failed: 0 });

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
    // The new LeadScored names no review: once projected, nothing stays due for the lead.
    const events = await storage.events.readStream(leadStreamId(leadId));
    await runner.waitFor(events[events.length - 1].position, 20_000);
    clock.set(new Date(dueAt.getTime() + 30 * DAY));
    await expect(ticker.runDue()).resolves.toEqual({ fired: 0, failed: 0 });
    await runner.stop();
  });

  it('resumes after a restart from where it stood, without replaying the store, and still fires what is due', async () => {
    const start = new Date('2026-11-01T09:00:00Z');
    const clock = new ManualClock(start);
    const scoring = new MarketingScoringService(storage.events, clock, smallModel());
    const first = runnerOf();
    first.start();
    const leadId = await seedLead(storage.events, {
      size: 250,
      capturedAt: start,
      engagements: [{ activity: 'demo_requested', at: start }],
    });
    const { position } = await scoring.rescore(leadId, {
      causationId: randomUUID(),
      correlationId: randomUUID(),
    });
    await first.waitFor(position as bigint, 20_000);
    await first.stop();

    const applied: number[] = [];
    const second = runnerOf((events) => applied.push(events));
    second.start();
    await second.waitFor(position as bigint, 20_000);
    clock.set(new Date(start.getTime() + 5 * DAY));

    await expect(tickerOf(scoring, clock).runDue()).resolves.toEqual({ fired: 1, failed: 0 });
    expect(applied).toEqual([]);
    await second.stop();
  });

  function runnerOf(onApplied?: (events: number) => void): ProjectionRunner {
    return new ProjectionRunner({
      events: storage.events,
      db: sqlOf(storage),
      projections: [scheduledItemsProjection(decayReviews)],
      observer: { onApplied: (_name, batch) => onApplied?.(batch.events) },
    });
  }

  function tickerOf(scoring: MarketingScoringService, clock: ManualClock): DueItemTicker {
    return new DueItemTicker({
      db: sqlOf(storage),
      scheduler: decayReviews,
      clock,
      handler: reviewDecay(scoring),
    });
  }

  function sqlOf(opened: EventStorage): SqlDriver {
    if (!opened.sql) throw new Error('PGlite storage has a SQL driver');
    return opened.sql;
  }

  async function lastScored(leadId: string): Promise<LeadScoredData[]> {
    const events = await storage.events.readStream(leadStreamId(leadId));
    return events
      .filter((event) => event.type === 'leadledger.lead.scored.v1')
      .map((event) => event.data as LeadScoredData)
      .reverse();
  }
});
