import { randomUUID } from 'node:crypto';
import { eventTypeOf, leadStreamId, type Clock, type LeadAssignedToSalesData } from '@leadledger/contracts';
import { openEventStorage, type EventStorage } from '@leadledger/eventstore';
import { seedMql, shippedSalesConfig } from './testing/sales-fixtures';
import { SalesAcceptanceService } from './sales-acceptance.service';
import { rotationStreamId } from './domain/rotation';

const config = shippedSalesConfig();
const clock: Clock = { now: () => new Date('2026-11-23T10:00:00Z') };
const admin = { actor: 'user:admin' as const };

/** Assignment through the service on a real store: the round-robin, availability and redelivery. */
describe('MQL assignment', () => {
  let storage: EventStorage;
  let sales: SalesAcceptanceService;
  beforeAll(async () => {
    storage = await openEventStorage('pglite://memory');
    sales = new SalesAcceptanceService(storage.events, clock, config);
  });
  afterAll(() => storage.close());

  it("shares a team's MQLs evenly among its available reps, in turn, and skips a rep marked away", async () => {
    const owners: string[] = [];
    for (let n = 0; n < 90; n++)
      owners.push(await assignedOwner(await seedMql(storage.events, { country: 'US', size: 400 })));
    const counts = countsOf(owners);
    expect(counts).toEqual({ 'jordan@acme.example': 45, 'priya@acme.example': 45 });
    expect(owners.slice(0, 4)).toEqual([
      'jordan@acme.example',
      'priya@acme.example',
      'jordan@acme.example',
      'priya@acme.example',
    ]);

    await sales.setAvailability(
      { rep: 'priya@acme.example', available: false, note: 'parental leave' },
      { ...admin, causationId: randomUUID(), correlationId: randomUUID() },
    );
    const whileAway: string[] = [];
    for (let n = 0; n < 5; n++)
      whileAway.push(await assignedOwner(await seedMql(storage.events, { country: 'US', size: 400 })));
    expect(new Set(whileAway)).toEqual(new Set(['jordan@acme.example']));
  }, 120_000);

  it('keeps the turn across replicas: each reads what the other picked since it last looked', async () => {
    const replicas = [sales, new SalesAcceptanceService(storage.events, clock, config)];
    const owners: string[] = [];
    for (let n = 0; n < 6; n++) {
      const leadId = await seedMql(storage.events, { country: 'DE', size: 400 });
      await replicas[n % 2].assignMql(leadId, { causationId: randomUUID(), correlationId: randomUUID() });
      owners.push((await assignmentsOf(leadId))[0].owner);
    }
    // dach-enterprise's reps in turn; Marie takes enterprise-sized companies only, so a 400-seat one alternates.
    expect(new Set(owners)).toEqual(new Set(['ana@acme.example', 'lukas@acme.example']));
    expect(owners.every((owner, n) => n === 0 || owner !== owners[n - 1])).toBe(true);
  });

  it('assigns once, to the same rep, when the same MQL is handled twice at once', async () => {
    const leadId = await seedMql(storage.events, { country: 'DE', size: 400 });
    const cause = { causationId: randomUUID(), correlationId: randomUUID() };
    const rotation = rotationStreamId('dach-enterprise');
    const picksBefore = (await storage.events.readStream(rotation)).length;

    await Promise.all([sales.assignMql(leadId, cause), sales.assignMql(leadId, cause)]);
    await sales.assignMql(leadId, cause);

    const assignments = await assignmentsOf(leadId);
    expect(assignments).toHaveLength(1);
    expect(assignments[0]).toMatchObject({ team: 'dach-enterprise' });
    expect((await storage.events.readStream(rotation)).length).toBe(picksBefore + 1);
  });

  it('sends what no team matches to the fallback team, and says so', async () => {
    const leadId = await seedMql(storage.events, { country: 'BR', size: 400 });
    await sales.assignMql(leadId, { causationId: randomUUID(), correlationId: randomUUID() });
    expect(await assignmentsOf(leadId)).toEqual([
      expect.objectContaining({ team: 'inbound-desk', fallbackReason: 'no_rule_matched' }),
    ]);
  });

  async function assignedOwner(leadId: string): Promise<string> {
    await sales.assignMql(leadId, { causationId: randomUUID(), correlationId: randomUUID() });
    const [assignment] = await assignmentsOf(leadId);
    return assignment.owner;
  }

  async function assignmentsOf(leadId: string): Promise<LeadAssignedToSalesData[]> {
    return (await storage.events.readStream(leadStreamId(leadId)))
      .filter(({ type }) => type === eventTypeOf('LeadAssignedToSales'))
      .map(({ data }) => data as LeadAssignedToSalesData);
  }
});

function countsOf(owners: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const owner of owners) counts[owner] = (counts[owner] ?? 0) + 1;
  return counts;
}
