import { randomUUID } from 'node:crypto';
import { opportunityStreamId } from '@leadledger/contracts';
import { EVENT_STORE, createServiceApp } from '@leadledger/platform';
import type { EventStore } from '@leadledger/eventsourcing';
import { importedOpportunityIdOf } from '@leadledger/opportunity';
import { TEST_ADMIN_KEY, asAdmin } from '@leadledger/testing';
import type { INestApplication } from '@nestjs/common';
import { PIPELINE } from './pipeline';

/** The HTTP path, the report and lead links; the 10,000-line run is the importer's own spec on PostgreSQL. */
const LINES = 300;

/** A CRM's history: every third won, every third lost, the rest open; CRM stage names mapped by the first line. */
function historyLine(n: number, crm: string): Record<string, unknown> {
  const day = (offset: number) => new Date(Date.UTC(2025, 0, 1 + (n % 300) + offset)).toISOString();
  const status = n % 3 === 0 ? 'won' : n % 3 === 1 ? 'lost' : 'open';
  return {
    externalRef: { system: crm, id: `OPP-${n}` },
    account: `Account ${n}`,
    owner: 'ana@acme.example',
    currency: 'EUR',
    amount: `${1000 + n}.50`,
    openedAt: day(0),
    stageHistory: [
      { stage: 'Discovery', at: day(0) },
      { stage: 'Proposal Sent', at: day(10) },
      ...(status === 'won' ? [{ stage: 'Closed Won', at: day(30) }] : []),
    ],
    status,
    ...(status === 'open' ? {} : { closedAt: day(30).slice(0, 10) }),
    ...(status === 'lost' ? { lossReason: 'price' } : {}),
  };
}

describe('CRM opportunity history import', () => {
  let app: INestApplication;
  let store: EventStore;
  const crm = `salesforce-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    app = await createServiceApp(PIPELINE, {
      EVENT_STORE: 'pglite://memory',
      LOG_LEVEL: 'silent',
      LEADLEDGER_ADMIN_KEY: TEST_ADMIN_KEY,
    });
    await app.init();
    store = app.get<EventStore>(EVENT_STORE);
  });

  afterAll(async () => {
    await app?.close();
  });

  const importFile = async (body: string) => {
    const response = await asAdmin(app)
      .post('/imports/opportunities')
      .set('content-type', 'application/x-ndjson')
      .send(body)
      .expect(200);
    return response.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  };

  it(`imports ${LINES.toLocaleString('en')} opportunities with their past times, links leads, reports bad lines, and imports nothing twice`, async () => {
    const { leadId } = (
      await asAdmin(app)
        .post('/leads')
        .send({
          source: 'import',
          contact: { email: `${randomUUID()}@kunde.example` },
          externalRef: { system: 'hubspot', id: 'L-1' },
        })
        .expect(202)
    ).body;
    const stageMap = {
      stageMap: { Discovery: 'discovery', 'Proposal Sent': 'proposal', 'Closed Won': 'closed_won' },
    };
    const lines = Array.from({ length: LINES }, (_, n) =>
      JSON.stringify(
        n === 0 ? { ...historyLine(n, crm), lead: { system: 'HubSpot', id: 'L-1' } } : historyLine(n, crm),
      ),
    );
    const bad = [
      'not json at all',
      JSON.stringify({
        ...historyLine(1, crm),
        stageHistory: [{ stage: 'Haggling', at: '2025-02-01T00:00:00Z' }],
      }),
    ];
    const file = [JSON.stringify(stageMap), ...lines, ...bad].join('\n');

    const first = await importFile(file);
    expect(first.at(-1)).toEqual({
      done: { lines: LINES + 2, imported: LINES, unchanged: 0, rejected: 2, leadsNotFound: 0 },
    });
    expect(first.filter((report) => report.status === 'rejected')).toEqual([
      { line: LINES + 2, status: 'rejected', issues: [{ field: '(line)', reason: 'is not JSON' }] },
      {
        line: LINES + 3,
        status: 'rejected',
        issues: [
          {
            field: 'stageHistory.0.stage',
            reason: '"Haggling" is not a stage of new-business; map it with stageMap',
          },
        ],
      },
    ]);

    const won = await store.readStream(
      opportunityStreamId(importedOpportunityIdOf({ system: crm, id: 'OPP-0' })),
    );
    expect(
      won.map(({ type, metadata }) => [type.replace('leadledger.opportunity.', ''), metadata.occurredAt]),
    ).toEqual([
      ['opened.v1', '2025-01-01T00:00:00.000Z'],
      ['stage-changed.v1', '2025-01-11T00:00:00.000Z'],
      ['won.v1', '2025-01-31T00:00:00.000Z'],
    ]);
    expect(won[0].data).toMatchObject({
      leadId,
      pipeline: 'new-business',
      amount: { amountMinor: 100_050, currency: 'EUR' },
    });
    expect(won[2].data).toMatchObject({
      amount: { amountMinor: 100_050, currency: 'EUR' },
      closedOn: '2025-01-31',
    });
    expect(won[0].metadata.actor).toMatch(/^api-key:/);

    const again = await importFile(file);
    expect(again.at(-1)).toEqual({
      done: { lines: LINES + 2, imported: 0, unchanged: LINES, rejected: 2, leadsNotFound: 0 },
    });
    expect(
      await store.readStream(opportunityStreamId(importedOpportunityIdOf({ system: crm, id: 'OPP-0' }))),
    ).toHaveLength(3);
  }, 120_000);
});
