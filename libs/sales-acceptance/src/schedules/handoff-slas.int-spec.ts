import { randomUUID } from 'node:crypto';
import { leadStreamId, type Clock } from '@leadledger/contracts';
import { openEventStorage, type EventStorage, type SqlDriver } from '@leadledger/eventstore';
import { DueItemTicker, ProjectionRunner, scheduledItemsProjection } from '@leadledger/projections';
import { ManualClock, seedMql, shippedSalesConfig } from '../testing/sales-fixtures';
import { SalesAcceptanceService } from '../sales-acceptance.service';
import { breachHandoffSla, handoffSlas } from './handoff-slas';

/** The shipped configuration: dach-enterprise answers within 4 business hours of Berlin, Mon-Fri 09-17, German holidays. */
const config = shippedSalesConfig();

describe('handoff SLAs on business time', () => {
  let storage: EventStorage;
  beforeAll(async () => {
    storage = await openEventStorage('pglite://memory');
  });
  afterAll(() => storage.close());

  it('breaches exactly at the due time across Christmas and a weekend, once, and hands the lead to the next rep', async () => {
    // Thursday 24 December 2026, 15:00 in Berlin: two business hours left that day; Friday 25th is a
    // holiday, then the weekend; the other two hours run Monday 28th from 09:00 to 11:00 Berlin time.
    const clock = new ManualClock(new Date('2026-12-24T14:00:00Z'));
    const sales = new SalesAcceptanceService(storage.events, clock, config);
    const leadId = await seedMql(storage.events, { country: 'DE', size: 400 });
    const assigned = await sales.assignMql(leadId, {
      causationId: randomUUID(),
      correlationId: randomUUID(),
    });
    const assignment = assigned?.events[0];
    expect(assignment).toMatchObject({
      type: 'LeadAssignedToSales',
      data: { team: 'dach-enterprise', owner: 'ana@acme.example', slaDueAt: '2026-12-28T10:00:00.000Z' },
    });

    const runner = runnerOf();
    runner.start();
    await runner.waitFor(assigned?.position as bigint, 20_000);
    const ticker = tickerOf(sales, clock);

    clock.set(new Date('2026-12-28T09:59:59.999Z'));
    await expect(ticker.runDue()).resolves.toEqual({ fired: 0, failed: 0 });
    clock.set(new Date('2026-12-28T10:00:00.000Z'));
    await expect(ticker.runDue()).resolves.toEqual({ fired: 1, failed: 0 });

    const after = await stream(leadId);
    expect(after.slice(-2)).toEqual([
      {
        type: 'handoff-sla-breached.v1',
        data: {
          leadId,
          owner: 'ana@acme.example',
          team: 'dach-enterprise',
          slaDueAt: '2026-12-28T10:00:00.000Z',
        },
      },
      {
        type: 'reassigned.v1',
        data: {
          leadId,
          from: 'ana@acme.example',
          to: 'lukas@acme.example',
          team: 'dach-enterprise',
          reason: 'sla_breached',
          // Four business hours from Monday 11:00 Berlin: 15:00 Berlin.
          slaDueAt: '2026-12-28T14:00:00.000Z',
        },
      },
    ]);

    // The same firing again (a second replica, a retry after a crash) changes nothing.
    const firing = {
      scheduler: handoffSlas.name,
      key: leadId,
      dueAt: new Date('2026-12-28T10:00:00.000Z'),
      payload: null,
      attempts: 0,
    };
    await handlerOf(sales)(firing);
    expect(await stream(leadId)).toHaveLength(after.length);
    expect(breaches).toEqual(['dach-enterprise']);
    await runner.stop();
  });

  it('stops the clock when the owner answers in time', async () => {
    const clock = new ManualClock(new Date('2026-11-23T08:00:00Z'));
    const sales = new SalesAcceptanceService(storage.events, clock, config);
    const leadId = await seedMql(storage.events, { country: 'DE', size: 400 });
    await sales.assignMql(leadId, { causationId: randomUUID(), correlationId: randomUUID() });
    clock.set(new Date('2026-11-23T09:00:00Z'));
    const accepted = await sales.accept(leadId, {
      causationId: randomUUID(),
      correlationId: randomUUID(),
      actor: 'user:ana@acme.example',
    });
    const runner = runnerOf();
    runner.start();
    await runner.waitFor(accepted.position as bigint, 20_000);

    clock.set(new Date('2026-11-30T09:00:00Z'));
    await expect(tickerOf(sales, clock).runDue()).resolves.toEqual({ fired: 0, failed: 0 });
    expect((await stream(leadId)).map(({ type }) => type)).not.toContain('handoff-sla-breached.v1');
    await runner.stop();
  });

  async function stream(leadId: string) {
    return (await storage.events.readStream(leadStreamId(leadId))).map(({ type, data }) => ({
      type: type.replace('leadledger.lead.', ''),
      data,
    }));
  }

  let breaches: string[] = [];
  const handlerOf = (sales: SalesAcceptanceService) =>
    breachHandoffSla(sales, { recordBreach: (team) => breaches.push(team) });
  beforeEach(() => {
    breaches = [];
  });

  function runnerOf(): ProjectionRunner {
    return new ProjectionRunner({
      events: storage.events,
      db: sqlOf(storage),
      projections: [scheduledItemsProjection(handoffSlas)],
    });
  }

  function tickerOf(sales: SalesAcceptanceService, clock: Clock): DueItemTicker {
    return new DueItemTicker({
      db: sqlOf(storage),
      scheduler: handoffSlas,
      clock,
      handler: handlerOf(sales),
    });
  }

  function sqlOf(opened: EventStorage): SqlDriver {
    if (!opened.sql) throw new Error('PGlite storage has a SQL driver');
    return opened.sql;
  }
});
