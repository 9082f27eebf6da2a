import { randomUUID } from 'node:crypto';
import { openEventStorage, type EventStorage } from '@leadledger/eventstore';
import { MarketingScoringService } from './marketing-scoring.service';
import { rescoreAll } from './rescore-all';
import { ManualClock, eventNamesOf, seedLead, smallModel } from '../testing/scoring-fixtures';

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
});
