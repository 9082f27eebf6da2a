import { randomUUID } from 'node:crypto';
import { eventNamesIn, eventTypeOf, opportunityStreamId } from '@leadledger/contracts';
import { everyEventOf } from '@leadledger/eventsourcing';
import { openEventStorage, type EventStorage } from '@leadledger/eventstore';
import type { NdjsonLine } from '@leadledger/platform';
import { dropSchema, testPostgresUrl, uniqueSchemaName } from '@leadledger/testing';
import { importedOpportunityIdOf } from '../domain/opportunity-import';
import { DEFAULT_PIPELINES_PATH, loadPipelines } from '@leadledger/contracts';
import { OpportunityImporter, type ImportReport } from './opportunity-importer';

const LINES = 10_000;
const OPPORTUNITY_TYPES = eventNamesIn('opportunity').map(eventTypeOf);

/** The i-th opportunity of a CRM's history, opened on a day of 2025: a third won, a third lost, a third open. */
function historyLine(n: number, crm: string): string {
  const day = (offset: number) => new Date(Date.UTC(2025, 0, 1 + (n % 300) + offset)).toISOString();
  const status = n % 3 === 0 ? 'won' : n % 3 === 1 ? 'lost' : 'open';
  return JSON.stringify({
    externalRef: { system: crm, id: `OPP-${n}` },
    account: `Account ${n}`,
    owner: 'ana@acme.example',
    currency: 'EUR',
    amount: `${1000 + n}.50`,
    openedAt: day(0),
    stageHistory: [
      { stage: 'discovery', at: day(0) },
      { stage: 'proposal', at: day(10) },
    ],
    status,
    ...(status === 'open' ? {} : { closedAt: day(30).slice(0, 10) }),
    ...(status === 'lost' ? { lossReason: 'price' } : {}),
  });
}

async function* linesOf(texts: readonly string[]): AsyncGenerator<NdjsonLine> {
  for (const [index, text] of texts.entries()) yield { number: index + 1, text };
}

describe('OpportunityImporter on PostgreSQL', () => {
  const schema = uniqueSchemaName('import');
  let storage: EventStorage;
  let importer: OpportunityImporter;

  beforeAll(async () => {
    storage = await openEventStorage(`${await testPostgresUrl()}?schema=${schema}`);
    importer = new OpportunityImporter(storage.events, loadPipelines(DEFAULT_PIPELINES_PATH).config);
  });

  afterAll(async () => {
    await storage?.close();
    await dropSchema(await testPostgresUrl(), schema);
  });

  const run = async (texts: readonly string[]): Promise<ImportReport[]> => {
    const reports: ImportReport[] = [];
    for await (const report of importer.run(linesOf(texts), 'api-key:importer', randomUUID()))
      reports.push(report);
    return reports;
  };

  const storedOpportunityEvents = async (): Promise<number> => {
    let count = 0;
    for await (const _event of everyEventOf(storage.events, OPPORTUNITY_TYPES, 2_000)) count += 1;
    return count;
  };

  it(`writes ${LINES.toLocaleString('en')} opportunities with their past business times, and a re-import appends nothing`, async () => {
    const crm = `crm-${randomUUID().slice(0, 8)}`;
    const file = Array.from({ length: LINES }, (_, n) => historyLine(n, crm));

    const first = await run(file);
    expect(first.at(-1)).toEqual({
      done: { lines: LINES, imported: LINES, unchanged: 0, rejected: 0, leadsNotFound: 0 },
    });
    expect(first.filter((report) => 'progress' in report)).toHaveLength(LINES / 1_000);
    // Opened and moved to proposal each; won and lost ones closed too: 2 events per line plus 2 of every 3.
    const expectedEvents = LINES * 2 + Math.ceil(LINES / 3) + Math.ceil((LINES - 1) / 3);
    expect(await storedOpportunityEvents()).toBe(expectedEvents);

    const lost = await storage.events.readStream(
      opportunityStreamId(importedOpportunityIdOf({ system: crm, id: 'OPP-301' })),
    );
    expect(lost.map(({ type, metadata }) => [type, metadata.occurredAt, metadata.actor])).toEqual([
      ['leadledger.opportunity.opened.v1', '2025-01-02T00:00:00.000Z', 'api-key:importer'],
      ['leadledger.opportunity.stage-changed.v1', '2025-01-12T00:00:00.000Z', 'api-key:importer'],
      ['leadledger.opportunity.lost.v1', '2025-02-01T00:00:00.000Z', 'api-key:importer'],
    ]);
    expect(lost[2].data).toMatchObject({ reason: 'price', closedOn: '2025-02-01' });

    const again = await run(file);
    expect(again.at(-1)).toEqual({
      done: { lines: LINES, imported: 0, unchanged: LINES, rejected: 0, leadsNotFound: 0 },
    });
    expect(await storedOpportunityEvents()).toBe(expectedEvents);
  }, 300_000);

  it('reports each bad line with its number and reasons, and goes on with the others', async () => {
    const crm = `crm-${randomUUID().slice(0, 8)}`;
    const good = historyLine(3, crm);
    const reports = await run([
      '{"stageMap": {"Negotiating": "negotiation"}}',
      good,
      '{"externalRef": {"system": "x", "id": "1"}}',
      JSON.stringify({
        ...JSON.parse(historyLine(4, crm)),
        stageHistory: [{ stage: 'Negotiating', at: '2025-03-01T00:00:00Z' }],
        status: 'won',
        closedAt: '2025-01-01',
        lossReason: undefined,
      }),
      // JSON.parse makes __proto__ an own key, which an object literal here could not.
      historyLine(5, crm).replace('{', '{"__proto__":{"owner":"x"},'),
    ]);
    expect(
      reports.filter((report) => 'line' in report).map((report) => 'line' in report && report.line),
    ).toEqual([3, 4, 5]);
    expect(reports.at(-1)).toEqual({
      done: { lines: 4, imported: 1, unchanged: 0, rejected: 3, leadsNotFound: 0 },
    });
    const closedBeforeOpened = reports.find((report) => 'line' in report && report.line === 4);
    expect(closedBeforeOpened).toMatchObject({
      issues: expect.arrayContaining([{ field: 'closedAt', reason: 'is before openedAt' }]),
    });
  });
});
