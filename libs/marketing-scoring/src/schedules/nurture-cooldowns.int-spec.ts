import { randomUUID } from 'node:crypto';
import { eventTypeOf, leadStreamId } from '@leadledger/contracts';
import { openEventStorage, type EventStorage, type SqlDriver } from '@leadledger/eventstore';
import { DueItemTicker, ProjectionRunner, scheduledItemsProjection } from '@leadledger/projections';
import { MarketingScoringService } from '../marketing-scoring.service';
import { ManualClock, eventNamesOf, seedLead, smallModel } from '../testing/scoring-fixtures';
import { endNurtureCooldown, nurtureCooldowns } from './nurture-cooldowns';

const DAY = 86_400_000;

describe('nurture cool-downs', () => {
  let storage: EventStorage;
  beforeAll(async () => {
    storage = await openEventStorage('pglite://memory');
  });
  afterAll(() => storage.close());

  it('makes a recycled lead that still qualifies an MQL again when its cool-down ends, not before', async () => {
    const start = new Date('2026-11-02T09:00:00Z');
    const clock = new ManualClock(start);
    const scoring = new MarketingScoringService(storage.events, clock, smallModel());
    const leadId = await seedLead(storage.events, {
      size: 250,
      capturedAt: start,
      engagements: [{ activity: 'demo_requested', at: start }],
    });
    await scoring.rescore(leadId, { causationId: randomUUID(), correlationId: randomUUID() });
    const nurtureUntil = new Date(start.getTime() + 2 * DAY);
    const recycled = await recycle(leadId, nurtureUntil);
    const runner = new ProjectionRunner({
      events: storage.events,
      db: sqlOf(storage),
      projections: [scheduledItemsProjection(nurtureCooldowns)],
    });
    runner.start();
    await runner.waitFor(recycled, 20_000);
    const ticker = new DueItemTicker({
      db: sqlOf(storage),
      scheduler: nurtureCooldowns,
      clock,
      handler: endNurtureCooldown(scoring),
    });

    // Engaged enough all along (40 points, halving every 10 days), but sales said wait.
    clock.set(new Date(start.getTime() + DAY));
    await scoring.rescore(leadId, { causationId: randomUUID(), correlationId: randomUUID() });
    clock.set(new Date(nurtureUntil.getTime() - 1));
    await expect(ticker.runDue()).resolves.toEqual({ fired: 0, failed: 0 });
    expect(
      (await eventNamesOf(storage.events, leadId)).filter((name) => name.startsWith('marketing-')),
    ).toHaveLength(1);

    clock.set(nurtureUntil);
    await expect(ticker.runDue()).resolves.toEqual({ fired: 1, failed: 0 });
    const names = await eventNamesOf(storage.events, leadId);
    expect(names.filter((name) => name.startsWith('marketing-'))).toHaveLength(2);
    expect(names[names.length - 1]).toBe('marketing-qualified.v1');
    await runner.stop();
  });

  async function recycle(leadId: string, nurtureUntil: Date): Promise<bigint> {
    const events = await storage.events.readStream(leadStreamId(leadId));
    const { position } = await storage.events.append(
      leadStreamId(leadId),
      [
        {
          id: randomUUID(),
          type: eventTypeOf('LeadRecycled'),
          data: { leadId, reason: 'rejected by sales: bad_timing', nurtureUntil: nurtureUntil.toISOString() },
          metadata: {
            correlationId: randomUUID(),
            causationId: randomUUID(),
            actor: 'system:sales-acceptance',
            occurredAt: new Date(Date.parse(nurtureUntil.toISOString()) - 2 * DAY).toISOString(),
            source: '/leadledger/sales-acceptance',
          },
        },
      ],
      { expectedRevision: events[events.length - 1].revision },
    );
    return position;
  }

  function sqlOf(opened: EventStorage): SqlDriver {
    if (!opened.sql) throw new Error('PGlite storage has a SQL driver');
    return opened.sql;
  }
});
