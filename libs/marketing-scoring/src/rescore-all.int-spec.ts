import { randomUUID } from 'node:crypto';
import { eventTypeOf, leadStreamId } from '@leadledger/contracts';
import { openEventStorage, type EventStorage } from '@leadledger/eventstore';
import { MarketingScoringService } from './marketing-scoring.service';
import { rescoreAll } from './rescore-all';
import { ManualClock, eventNamesOf, seedLead, smallModel } from './testing/scoring-fixtures';

describe('rescoreAll', () => {
  const now = new Date('2026-11-10T09:00:00Z');
  const clock = new ManualClock(now);
  let storage: EventStorage;
  let mql: string;
  let warm: string;
  let tiny: string;

  beforeAll(async () => {
    storage = await openEventStorage('pglite://memory');
    const current = new MarketingScoringService(storage.events, clock, smallModel());
    mql = await seedLead(storage.events, {
      size: 250,
      capturedAt: now,
      engagements: [{ activity: 'demo_requested', at: now }],
    });
    warm = await seedLead(storage.events, {
      size: 250,
      capturedAt: now,
      engagements: [{ activity: 'pricing_page_view', at: now }],
    });
    tiny = await seedLead(storage.events, {
      size: 3,
      capturedAt: now,
      engagements: [{ activity: 'demo_requested', at: now }],
    });
    for (const leadId of [mql, warm, tiny])
      await current.rescore(leadId, { causationId: randomUUID(), correlationId: randomUUID() });
  });
  afterAll(() => storage.close());

  it('reports the MQLs a candidate model gains and loses, writing nothing on a dry run', async () => {
    const before = await Promise.all([mql, warm, tiny].map((id) => eventNamesOf(storage.events, id)));

    const looser = await rescoreAll(
      storage.events,
      clock,
      smallModel({ version: 'looser', mqlEngagement: 10 }),
      { dryRun: true },
    );
    const stricter = await rescoreAll(
      storage.events,
      clock,
      smallModel({ version: 'stricter', mqlFit: 60 }),
      { dryRun: true },
    );

    expect(looser).toMatchObject({ leads: 3, mqlsNow: 1, gained: [warm], lost: [], appended: 0 });
    expect(stricter).toMatchObject({ leads: 3, mqlsNow: 1, gained: [], lost: [mql], appended: 0 });
    expect(await Promise.all([mql, warm, tiny].map((id) => eventNamesOf(storage.events, id)))).toEqual(
      before,
    );
  });

  it('appends the new scores under the new version, and a repeated run appends nothing', async () => {
    const looser = smallModel({ version: 'looser', mqlEngagement: 10 });

    const first = await rescoreAll(storage.events, clock, looser, { dryRun: false });
    const repeated = await rescoreAll(storage.events, clock, looser, { dryRun: false });

    expect(first.appended).toBeGreaterThan(0);
    expect(repeated.appended).toBe(0);
    expect((await eventNamesOf(storage.events, warm)).slice(-2)).toEqual([
      'scored.v1',
      'marketing-qualified.v1',
    ]);
    expect(await eventNamesOf(storage.events, tiny)).not.toContain('marketing-qualified.v1');
  });

  it('tells the truth on a dry run: the report is what the real run then appends', async () => {
    const fresh = await openEventStorage('pglite://memory');
    try {
      const current = new MarketingScoringService(fresh.events, clock, smallModel());
      const warmLead = await seedLead(fresh.events, {
        size: 250,
        capturedAt: now,
        engagements: [{ activity: 'pricing_page_view', at: now }],
      });
      const heldByHand = await seedLead(fresh.events, {
        size: 250,
        capturedAt: now,
        engagements: [{ activity: 'pricing_page_view', at: now }],
      });
      for (const leadId of [warmLead, heldByHand])
        await current.rescore(leadId, { causationId: randomUUID(), correlationId: randomUUID() });
      // A marketer ruled this lead out by hand: no rule of any model explains it, so no model lifts it.
      await fresh.events.append(
        leadStreamId(heldByHand),
        [
          {
            id: randomUUID(),
            type: eventTypeOf('LeadDisqualified'),
            data: { leadId: heldByHand, reason: 'works for a competitor', modelVersion: 'test-1' },
            metadata: { actor: 'user:ana@acme.io', occurredAt: now.toISOString() },
          },
        ],
        { expectedRevision: 'any' },
      );
      const looser = smallModel({ version: 'looser-2', mqlEngagement: 10 });

      const preview = await rescoreAll(fresh.events, clock, looser, { dryRun: true });
      const real = await rescoreAll(fresh.events, clock, looser, { dryRun: false });

      expect(preview.gained).toEqual([warmLead]);
      expect(preview).toEqual({ ...real, dryRun: true, appended: 0 });
      expect(real.appended).toBe(Object.values(real.events).reduce((sum, n) => sum + (n ?? 0), 0));
      expect(await eventNamesOf(fresh.events, heldByHand)).not.toContain('marketing-qualified.v1');
    } finally {
      await fresh.close();
    }
  });
});
