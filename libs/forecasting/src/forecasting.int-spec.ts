import { randomUUID } from 'node:crypto';
import {
  KAFKA_HEADERS,
  LEADS_LIFECYCLE_TOPIC,
  eventTypeOf,
  leadStreamId,
  opportunityStreamId,
} from '@leadledger/contracts';
import { metaOf, type RecordedEvent } from '@leadledger/eventsourcing';
import { openEventStorage, type EventStorage, type SqlDriver } from '@leadledger/eventstore';
import { LEAD_CAPTURE_SERVICE } from '@leadledger/lead-capture';
import { MARKETING_SCORING_SERVICE } from '@leadledger/marketing-scoring';
import { OPPORTUNITY_SERVICE } from '@leadledger/opportunity';
import { startServiceApp } from '@leadledger/platform';
import { rebuildBeside } from '@leadledger/projections';
import { SALES_ACCEPTANCE_SERVICE } from '@leadledger/sales-acceptance';
import {
  asAdmin,
  dropSchema,
  eventually,
  parseExposition,
  realServicesEnvironment,
  recordTopics,
  testPostgresUrl,
  uniqueSchemaName,
  type ReceivedMessage,
  type TopicRecorder,
} from '@leadledger/testing';
import type { INestApplication } from '@nestjs/common';
import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import request from 'supertest';
import { FORECASTING_SERVICE, analyticsProjection } from './index';

const DAY_MS = 86_400_000;
const SCORED = eventTypeOf('LeadScored');
const MQL = eventTypeOf('LeadMarketingQualified');
const ASSIGNED = eventTypeOf('LeadAssignedToSales');
const CONVERTED = eventTypeOf('LeadConvertedToOpportunity');
const OPENED = eventTypeOf('OpportunityOpened');
const STAGE_CHANGED = eventTypeOf('OpportunityStageChanged');
const WON = eventTypeOf('OpportunityWon');
const LOST = eventTypeOf('OpportunityLost');

/**
 * The script: ten leads from two sources. Two never become MQLs (one is not engaged, one does not
 * fit), one MQL is rejected, seven are accepted, qualified and converted; their opportunities then
 * move, slip, win and lose over HTTP. Every expected figure below is counted by hand from it.
 */
type Role =
  | 'wonUsd'
  | 'lost'
  | 'slipping'
  | 'unengaged'
  | 'wonEur'
  | 'movedBack'
  | 'advancing'
  | 'entering'
  | 'rejected'
  | 'unfit';

type Outcome = 'lead' | 'rejected' | 'converted';

interface LeadScript {
  readonly source: 'web_form' | 'event';
  readonly company: string;
  /** A company the shipped scoring model finds a fit: 400 people, software, DACH, a head of. */
  readonly fit: boolean;
  /** A demo request and a pricing page view: engagement 40, over the MQL threshold of 30. */
  readonly engaged: boolean;
  readonly outcome: Outcome;
  /** BANT's budget: the opportunity's amount at opening. */
  readonly budget?: { readonly value: string; readonly currency: string };
  /** BANT's timeline, in days from the start of a quarter: the opportunity's expected close date. */
  readonly closesIn?: { readonly quarter: 'current' | 'next'; readonly day: number };
}

const suffix = randomUUID().slice(0, 8);

const SCRIPT: Record<Role, LeadScript> = {
  // web_form
  wonUsd: {
    source: 'web_form',
    company: `Alpha Kunde ${suffix} GmbH`,
    fit: true,
    engaged: true,
    outcome: 'converted',
    budget: { value: '100000.00', currency: 'USD' },
    closesIn: { quarter: 'current', day: 14 },
  },
  lost: {
    source: 'web_form',
    company: `Bravo Kunde ${suffix} GmbH`,
    fit: true,
    engaged: true,
    outcome: 'converted',
    budget: { value: '50000.00', currency: 'EUR' },
    closesIn: { quarter: 'current', day: 30 },
  },
  slipping: {
    source: 'web_form',
    company: `Charlie Kunde ${suffix} GmbH`,
    fit: true,
    engaged: true,
    outcome: 'converted',
    budget: { value: '80000.00', currency: 'EUR' },
    closesIn: { quarter: 'current', day: 20 },
  },
  unengaged: {
    source: 'web_form',
    company: `Delta Kunde ${suffix} GmbH`,
    fit: true,
    engaged: false,
    outcome: 'lead',
  },
  // event
  wonEur: {
    source: 'event',
    company: `Echo Kunde ${suffix} GmbH`,
    fit: true,
    engaged: true,
    outcome: 'converted',
    budget: { value: '25000.00', currency: 'EUR' },
    closesIn: { quarter: 'current', day: 25 },
  },
  movedBack: {
    source: 'event',
    company: `Foxtrot Kunde ${suffix} GmbH`,
    fit: true,
    engaged: true,
    outcome: 'converted',
    budget: { value: '40000.00', currency: 'EUR' },
    closesIn: { quarter: 'current', day: 40 },
  },
  advancing: {
    source: 'event',
    company: `Golf Kunde ${suffix} GmbH`,
    fit: true,
    engaged: true,
    outcome: 'converted',
    budget: { value: '60000.00', currency: 'EUR' },
    closesIn: { quarter: 'current', day: 45 },
  },
  entering: {
    source: 'event',
    company: `Hotel Kunde ${suffix} GmbH`,
    fit: true,
    engaged: true,
    outcome: 'converted',
    budget: { value: '70000.00', currency: 'EUR' },
    closesIn: { quarter: 'next', day: 10 },
  },
  rejected: {
    source: 'event',
    company: `India Kunde ${suffix} GmbH`,
    fit: true,
    engaged: true,
    outcome: 'rejected',
  },
  unfit: {
    source: 'event',
    company: `Juliet Kunde ${suffix} GmbH`,
    fit: false,
    engaged: true,
    outcome: 'lead',
  },
};

const ROLES = Object.keys(SCRIPT) as Role[];
const CONVERTS = ROLES.filter((role) => SCRIPT[role].outcome === 'converted');

interface Period {
  readonly label: string;
  readonly from: Date;
  readonly until: Date;
}

/** The calendar quarter (UTC) an instant falls in, by hand. */
function quarterAround(instant: Date): Period {
  const year = instant.getUTCFullYear();
  const index = Math.floor(instant.getUTCMonth() / 3);
  return {
    label: `${year}-Q${index + 1}`,
    from: new Date(Date.UTC(year, index * 3, 1)),
    until: new Date(Date.UTC(year, index * 3 + 3, 1)),
  };
}

const isoDay = (base: Date, days: number) =>
  new Date(base.getTime() + days * DAY_MS).toISOString().slice(0, 10);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round2 = (value: number) => Math.round(value * 100) / 100;

/** Linear interpolation between closest ranks (PostgreSQL's percentile_cont), written out for the spec. */
function percentileCont(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const below = Math.floor(rank);
  const above = Math.ceil(rank);
  return sorted[below] + (sorted[above] - sorted[below]) * (rank - below);
}

interface LeadRun {
  leadId: string;
  owner?: string;
  team?: string;
  repKey?: string;
  opportunityId?: string;
  etag?: string;
}

/**
 * The five services as deployed, each its own Nest application on one PostgreSQL store: lead-capture
 * (with the relay), marketing-scoring, sales-acceptance and opportunity talking over the real broker,
 * and forecasting following the store with its projection runner.
 */
describe('forecasting over the five services on PostgreSQL and Kafka', () => {
  const schema = uniqueSchemaName('forecasting');
  // realServicesEnvironment(schema) sets EVENT_STORE ...?schema=<schema>: read models land in <schema>_read.
  const readSchema = `${schema}_read`;
  const quarter = quarterAround(new Date());
  const nextQuarter = quarterAround(quarter.until);
  const lastDayOfQuarter = isoDay(quarter.until, -1);
  const runs = {} as Record<Role, LeadRun>;
  const apps: INestApplication[] = [];
  let capture: INestApplication;
  let sales: INestApplication;
  let opportunities: INestApplication;
  let forecasting: INestApplication;
  let storage: EventStorage;
  let sql: SqlDriver;
  let producer: Producer;
  let recorder: TopicRecorder;
  let analystKey: string;
  const repKeys = new Map<string, Promise<string>>();
  /** Recorded between the two halves of the script: what was open then is hand-listed below. */
  let between: Date;
  /** After the last scripted change. */
  let end: Date;

  beforeAll(async () => {
    const env = await realServicesEnvironment(schema);
    const brokers = env.KAFKA_BROKERS.split(',');
    await skipLeftovers(brokers);
    recorder = await recordTopics(brokers, [LEADS_LIFECYCLE_TOPIC]);
    const start = async (definition: Parameters<typeof startServiceApp>[0]) => {
      const app = await startServiceApp(definition, env);
      apps.push(app);
      // Listening once on loopback: supertest then reuses the socket instead of listening per
      // request, which breaks when the script polls one app from several leads at once.
      await app.listen(0, '127.0.0.1');
      return app;
    };
    capture = await start(LEAD_CAPTURE_SERVICE);
    await start(MARKETING_SCORING_SERVICE);
    sales = await start(SALES_ACCEPTANCE_SERVICE);
    opportunities = await start(OPPORTUNITY_SERVICE);
    forecasting = await start(FORECASTING_SERVICE);
    storage = await openEventStorage(env.EVENT_STORE as string);
    sql = storage.sql as SqlDriver;
    producer = new Kafka({ clientId: 'forecasting-spec', brokers, logLevel: logLevel.WARN }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    analystKey = await issueKey({ role: 'analyst', principal: 'forecast-analyst' });

    // First half: every lead captured and worked; six opportunities opened and moved.
    await Promise.all(ROLES.map((role) => work(role)));
    await Promise.all(CONVERTS.filter((role) => role !== 'entering').map((role) => opened(role)));
    await move('wonUsd', 'proposal');
    await move('lost', 'proposal');
    await move('wonEur', 'proposal');
    await move('wonEur', 'negotiation');
    await move('movedBack', 'proposal');
    await move('movedBack', 'negotiation');
    await move('advancing', 'proposal');

    await sleep(25);
    between = new Date();
    await sleep(25);

    // Second half: one more opportunity enters; the others advance, move back, slip, win and lose.
    await convert('entering');
    await opened('entering');
    await move('entering', 'proposal');
    await move('wonUsd', 'negotiation');
    await change('wonUsd', 'won', {
      amount: '120000.00',
      currency: 'USD',
      closedAt: isoDay(quarter.from, 5),
    });
    await change('lost', 'lost', {
      reason: 'price',
      competitor: 'Rivalsoft',
      note: 'went with the cheaper one',
    });
    await change('slipping', 'amount', { amount: '90000.00', currency: 'EUR' });
    await change('slipping', 'close-date', { expectedCloseDate: lastDayOfQuarter });
    await change('wonEur', 'won', { amount: '30000.00', currency: 'EUR', closedAt: isoDay(quarter.from, 6) });
    await move('movedBack', 'proposal', 'procurement reopened the scope');
    await move('advancing', 'negotiation');

    await sleep(25);
    end = new Date();
    await caughtUp();
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled([producer?.disconnect(), recorder?.stop()]);
    for (const app of [...apps].reverse()) await app.close().catch(() => undefined);
    await storage?.close();
    const url = await testPostgresUrl();
    await dropSchema(url, readSchema);
    await dropSchema(url, schema);
  });

  it('counts the funnel per source and its conversions exactly, in JSON and in CSV', async () => {
    const rate = (numerator: number, denominator: number, value: number) => ({
      numerator,
      denominator,
      rate: value,
    });
    const { body } = await asAnalyst(`/funnel?groupBy=source&to=${end.toISOString()}`);
    expect(body.total).toEqual({
      key: 'all',
      counts: { leads: 10, mql: 8, sql: 7, opportunity: 7, won: 2 },
      conversion: {
        leadToMql: rate(8, 10, 0.8),
        mqlToSql: rate(7, 8, 0.875),
        sqlToOpportunity: rate(7, 7, 1),
        opportunityToWon: rate(2, 7, 0.2857),
        leadToWon: rate(2, 10, 0.2),
      },
    });
    expect(body.groups).toEqual([
      {
        key: 'event',
        counts: { leads: 6, mql: 5, sql: 4, opportunity: 4, won: 1 },
        conversion: {
          leadToMql: rate(5, 6, 0.8333),
          mqlToSql: rate(4, 5, 0.8),
          sqlToOpportunity: rate(4, 4, 1),
          opportunityToWon: rate(1, 4, 0.25),
          leadToWon: rate(1, 6, 0.1667),
        },
      },
      {
        key: 'web_form',
        counts: { leads: 4, mql: 3, sql: 3, opportunity: 3, won: 1 },
        conversion: {
          leadToMql: rate(3, 4, 0.75),
          mqlToSql: rate(3, 3, 1),
          sqlToOpportunity: rate(3, 3, 1),
          opportunityToWon: rate(1, 3, 0.3333),
          leadToWon: rate(1, 4, 0.25),
        },
      },
    ]);

    const csv = await request(forecasting.getHttpServer())
      .get(`/funnel?groupBy=source&to=${end.toISOString()}`)
      .set('Authorization', `Bearer ${analystKey}`)
      .set('Accept', 'text/csv')
      .expect(200)
      .expect('Content-Type', /text\/csv/);
    const [header, ...lines] = csv.text.trim().split(/\r?\n/);
    const columns = header.split(',');
    const rows = lines.map((line) =>
      Object.fromEntries(line.split(',').map((cell, i) => [columns[i], cell])),
    );
    const pick = (row: Record<string, string>) => [
      row.key,
      row['counts.leads'],
      row['counts.mql'],
      row['counts.sql'],
      row['counts.opportunity'],
      row['counts.won'],
      row['conversion.leadToMql.rate'],
      row['conversion.opportunityToWon.rate'],
    ];
    expect(rows.map(pick)).toEqual([
      ['all', '10', '8', '7', '7', '2', '0.8', '0.2857'],
      ['event', '6', '5', '4', '4', '1', '0.8333', '0.25'],
      ['web_form', '4', '3', '3', '3', '1', '0.75', '0.3333'],
    ]);
  });

  it("forecasts the current quarter per currency and stage, and leaves next quarter's opportunity to it", async () => {
    const zero = {
      closedWon: '0.00',
      commit: '0.00',
      bestCase: '0.00',
      pipeline: '0.00',
      weighted: '0.00',
      openOpportunities: 0,
      wonOpportunities: 0,
    };
    const { body } = await asAnalyst(`/forecast?period=${quarter.label}&groupBy=stage`);
    expect(body).toMatchObject({ period: quarter.label, probabilities: 'configured', withoutAmount: 0 });
    // EUR: won 30,000 (wonEur); open in the quarter: slipping (discovery, pipeline, 90,000 at 10%),
    // movedBack (proposal, best case, 40,000 at 50%), advancing (negotiation, commit, 60,000 at 80%);
    // entering closes next quarter, lost is lost. Weighted: 9,000 + 20,000 + 48,000.
    // USD: wonUsd, won at 120,000.
    expect(body.currencies).toEqual([
      {
        currency: 'EUR',
        total: {
          closedWon: '30000.00',
          commit: '60000.00',
          bestCase: '40000.00',
          pipeline: '90000.00',
          weighted: '77000.00',
          openOpportunities: 3,
          wonOpportunities: 1,
        },
        groups: [
          { key: 'closed_won', ...zero, closedWon: '30000.00', wonOpportunities: 1 },
          { key: 'discovery', ...zero, pipeline: '90000.00', weighted: '9000.00', openOpportunities: 1 },
          { key: 'negotiation', ...zero, commit: '60000.00', weighted: '48000.00', openOpportunities: 1 },
          { key: 'proposal', ...zero, bestCase: '40000.00', weighted: '20000.00', openOpportunities: 1 },
        ],
      },
      {
        currency: 'USD',
        total: { ...zero, closedWon: '120000.00', wonOpportunities: 1 },
        groups: [{ key: 'closed_won', ...zero, closedWon: '120000.00', wonOpportunities: 1 }],
      },
    ]);

    const next = await asAnalyst(`/forecast?period=${nextQuarter.label}`);
    expect(next.body.currencies).toEqual([
      {
        currency: 'EUR',
        total: { ...zero, bestCase: '70000.00', weighted: '35000.00', openOpportunities: 1 },
      },
    ]);
  });

  it('answers the open pipeline as it stood between the two halves of the script', async () => {
    const { body } = await asAnalyst(`/pipeline?asOf=${between.toISOString()}`);
    expect(body.asOf).toBe(between.toISOString());
    const stages = Object.fromEntries(
      body.opportunities.map((o: { opportunityId: string; stage: string }) => [o.opportunityId, o.stage]),
    );
    expect(stages).toEqual({
      [opportunityOf('wonUsd')]: 'proposal',
      [opportunityOf('lost')]: 'proposal',
      [opportunityOf('slipping')]: 'discovery',
      [opportunityOf('wonEur')]: 'negotiation',
      [opportunityOf('movedBack')]: 'negotiation',
      [opportunityOf('advancing')]: 'proposal',
    });
    // EUR: 50,000 + 80,000 + 25,000 + 40,000 + 60,000; weighted 25,000 + 8,000 + 20,000 + 32,000 + 30,000.
    expect(body.totals).toEqual([
      { currency: 'EUR', opportunities: 5, amount: '255000.00', weighted: '115000.00' },
      { currency: 'USD', opportunities: 1, amount: '100000.00', weighted: '50000.00' },
    ]);
    expect(body.withoutAmount).toBe(0);
  });

  it('lists what changed in the pipeline since then, per opportunity', async () => {
    const { body } = await asAnalyst(
      `/pipeline/changes?from=${between.toISOString()}&to=${end.toISOString()}`,
    );
    const kinds = Object.fromEntries(
      body.changes.map((c: { opportunityId: string; kinds: string[] }) => [c.opportunityId, c.kinds]),
    );
    expect(kinds).toEqual({
      [opportunityOf('wonUsd')]: ['won'],
      [opportunityOf('lost')]: ['lost'],
      [opportunityOf('slipping')]: ['slipped', 'amountChanged'],
      [opportunityOf('wonEur')]: ['won'],
      [opportunityOf('movedBack')]: ['movedBack'],
      [opportunityOf('advancing')]: ['advanced'],
      [opportunityOf('entering')]: ['entered'],
    });
    const counts = Object.fromEntries(
      body.totals.map((t: { kind: string; count: number }) => [t.kind, t.count]),
    );
    expect(counts).toEqual({
      entered: 1,
      advanced: 1,
      movedBack: 1,
      slipped: 1,
      pulledIn: 0,
      amountChanged: 1,
      won: 2,
      lost: 1,
      reopened: 0,
    });
  });

  it('answers win rate per source, loss reasons, and cycle times from the stage visits the store recorded', async () => {
    const winRate = await asAnalyst('/analytics/win-rate?groupBy=source');
    expect(winRate.body).toEqual({
      total: { numerator: 2, denominator: 3, rate: 0.6667 },
      groups: [
        { key: 'event', won: 1, lost: 0, winRate: { numerator: 1, denominator: 1, rate: 1 } },
        { key: 'web_form', won: 1, lost: 1, winRate: { numerator: 1, denominator: 2, rate: 0.5 } },
      ],
    });

    const losses = await asAnalyst('/analytics/loss-reasons');
    expect(losses.body).toEqual({
      lost: 1,
      reasons: [
        {
          reason: 'price',
          count: 1,
          share: { numerator: 1, denominator: 1, rate: 1 },
          amounts: [{ currency: 'EUR', amount: '50000.00' }],
          competitors: [{ name: 'Rivalsoft', count: 1 }],
        },
      ],
    });

    // Completed visits, counted by hand: discovery was left by all but slipping (6); proposal by
    // wonUsd, lost, wonEur, advancing and movedBack's first visit (5); negotiation by wonUsd, wonEur
    // and movedBack (3); two were won.
    const expected = await cycleTimesFromStore();
    expect(Object.fromEntries(expected.map((row) => [row.stage, row.count]))).toEqual({
      discovery: 6,
      proposal: 5,
      negotiation: 3,
      opening_to_won: 2,
    });
    const cycle = await asAnalyst('/analytics/cycle-time');
    expect(cycle.body.groupBy).toBe('stage');
    const byStage = (a: { stage: string }, b: { stage: string }) => a.stage.localeCompare(b.stage);
    expect([...cycle.body.rows].sort(byStage)).toEqual([...expected].sort(byStage));
  });

  it('changes no number when lifecycle messages are delivered again', async () => {
    const before = await answers();
    const counts = await streamLengths();

    // The very conversion and the very MQL again, as a rebalance or a relay restart would deliver
    // them. forecasting itself reads the store, not Kafka: a duplicate could only reach its numbers
    // through a service writing twice.
    const conversion = await eventually(() => recorded(runs.wonEur.leadId, CONVERTED), 60_000);
    const mql = await eventually(() => recorded(runs.advancing.leadId, MQL), 60_000);
    const conversionsBefore = await consumed(opportunities, CONVERTED);
    const mqlsBefore = await consumed(sales, MQL);
    await producer.send({ topic: LEADS_LIFECYCLE_TOPIC, messages: [asMessage(conversion), asMessage(mql)] });
    await eventually(
      async () => ((await consumed(opportunities, CONVERTED)) > conversionsBefore ? true : undefined),
      60_000,
      250,
    );
    await eventually(async () => ((await consumed(sales, MQL)) > mqlsBefore ? true : undefined), 60_000, 250);
    await caughtUp();

    expect(await streamLengths()).toEqual(counts);
    expect(await answers()).toEqual(before);
  });

  it('rebuilds the analytics read model beside the live one into exactly the same rows', async () => {
    await caughtUp();
    const live = await dumpAnalytics();
    expect(Object.keys(live)).toEqual(expect.arrayContaining(analyticsProjectionTables));
    expect(live.analytics_leads).toHaveLength(10);
    expect(live.analytics_opportunities).toHaveLength(7);
    const answered = await answers();
    const tablesBefore = await tableIds();

    const result = await rebuildBeside({
      events: storage.events,
      db: sql,
      projection: analyticsProjection,
      schema: readSchema,
    });
    expect(result.events).toBeGreaterThan(0);
    // Swapped in: the live tables are the rebuilt ones now, not the ones dumped above.
    const tablesAfter = await tableIds();
    for (const table of analyticsProjectionTables) expect(tablesAfter[table]).not.toBe(tablesBefore[table]);

    expect(await dumpAnalytics()).toEqual(live);
    expect(await answers()).toEqual(answered);
  });

  it("erases a converted lead's company from every analytics row while every count stays", async () => {
    const role: Role = 'slipping';
    const { company } = SCRIPT[role];
    const funnel = (await asAnalyst(`/funnel?groupBy=source&to=${end.toISOString()}`)).body;
    // The scan finds the name before the erasure: on the lead and, as name and account, on the opportunity.
    // (Only forecasting's tables are this spec's: the opportunity service's own read model,
    // `opportunities`, follows opportunity events alone and still holds the name after LeadErased.)
    expect(await tablesHolding(company)).toEqual(['analytics_leads', 'analytics_opportunities']);

    // Nothing in the product writes LeadErased yet (a GDPR erasure endpoint is still to come): the
    // event is appended to the lead's stream by hand, as that endpoint would.
    const leadId = runs[role].leadId;
    await storage.events.append(
      leadStreamId(leadId),
      [
        {
          id: randomUUID(),
          type: eventTypeOf('LeadErased'),
          data: { leadId, reason: 'gdpr request' },
          metadata: {
            correlationId: leadId,
            causationId: randomUUID(),
            actor: 'system:test',
            occurredAt: new Date().toISOString(),
            source: '/test',
          },
        },
      ],
      { expectedRevision: 'any' },
    );
    await caughtUp();

    expect(await tablesHolding(company)).toEqual([]);
    expect(await tablesHolding(`${company} - New business`)).toEqual([]);
    const [row] = await sql.query<{ company_name: string | null; erased: boolean }>(
      `SELECT company_name, erased_at IS NOT NULL AS erased FROM "${readSchema}".analytics_leads WHERE lead_id = $1`,
      [leadId],
    );
    expect(row).toEqual({ company_name: null, erased: true });
    expect((await asAnalyst(`/funnel?groupBy=source&to=${end.toISOString()}`)).body).toEqual(funnel);
  });

  // ---- the script ------------------------------------------------------------------------------

  /** Captures the lead, engages it, and takes it as far as its outcome says (conversion of `entering` waits). */
  async function work(role: Role): Promise<void> {
    const script = SCRIPT[role];
    const { body } = await asAdmin(capture)
      .post('/leads')
      .send({
        source: script.source,
        contact: {
          email: `${randomUUID()}@${role.toLowerCase()}-kunde.de`,
          jobTitle: script.fit ? 'Head of Sales Operations' : 'Assistant',
        },
        company: script.fit
          ? { name: script.company, size: 400, industry: 'software', country: 'DE' }
          : { name: script.company, size: 20, industry: 'retail', country: 'DE' },
      })
      .expect(202);
    const run: LeadRun = { leadId: body.leadId };
    runs[role] = run;
    if (script.engaged) {
      const now = new Date().toISOString();
      for (const activity of ['demo_requested', 'pricing_page_view']) {
        await asAdmin(capture)
          .post(`/leads/${run.leadId}/engagements`)
          .send({ activity, occurredAt: now })
          .expect(202);
      }
    }
    if (script.outcome === 'lead') {
      // Scored, and not qualified: the score that saw every engagement is in the stream.
      await eventually(async () => {
        const events = await storage.events.readStream(leadStreamId(run.leadId));
        const scored = events.filter((e) => e.type === SCORED).map((e) => e.data as { engagement: number });
        return scored.some((s) => s.engagement >= (script.engaged ? 40 : 0)) ? true : undefined;
      }, 60_000);
      return;
    }
    const assigned = await eventually(async () => {
      const events = await storage.events.readStream(leadStreamId(run.leadId));
      return events.find((e) => e.type === ASSIGNED);
    }, 60_000);
    const { owner, team } = assigned.data as { owner: string; team: string };
    run.owner = owner;
    run.team = team;
    run.repKey = await repKey(owner, team);
    // The rep may act once sales-acceptance's own read model knows the lead is theirs.
    await eventually(async () => {
      const got = await asRep(run, 'get', `/leads/${run.leadId}/sales`);
      return got.status === 200 ? true : undefined;
    }, 60_000);
    if (script.outcome === 'rejected') {
      await asRep(run, 'post', `/leads/${run.leadId}/reject`).send({ reason: 'not_a_fit' }).expect(200);
      return;
    }
    await asRep(run, 'post', `/leads/${run.leadId}/accept`).expect(200, /"stage":"sql"/);
    const closesIn = script.closesIn as NonNullable<LeadScript['closesIn']>;
    const closeDate = isoDay(closesIn.quarter === 'current' ? quarter.from : nextQuarter.from, closesIn.day);
    await qualify(run, { criterion: 'budget', amount: script.budget });
    await qualify(run, { criterion: 'timeline', date: closeDate });
    await qualify(run, { criterion: 'authority' });
    await qualify(run, { criterion: 'need' });
    if (role !== 'entering') await convert(role);
  }

  async function convert(role: Role): Promise<void> {
    const run = runs[role];
    const { body } = await asRep(run, 'post', `/leads/${run.leadId}/convert`).expect(200);
    expect(body).toMatchObject({ stage: 'converted', opportunityId: expect.any(String) });
    run.opportunityId = body.opportunityId;
  }

  /** Until the opportunity service opened it from the conversion it consumed; keeps its ETag. */
  async function opened(role: Role): Promise<void> {
    const run = runs[role];
    const response = await eventually(async () => {
      const got = await asRep(run, 'get', `/opportunities/${run.opportunityId}`);
      return got.status === 200 ? got : undefined;
    }, 60_000);
    expect(response.body).toMatchObject({ stage: 'discovery', account: SCRIPT[role].company });
    run.etag = response.headers.etag;
  }

  function qualify(run: LeadRun, fields: Record<string, unknown>) {
    return asRep(run, 'post', `/leads/${run.leadId}/qualification`)
      .send({ framework: 'bant', value: 'met', evidence: 'confirmed on the discovery call', ...fields })
      .expect(200);
  }

  function move(role: Role, to: string, note?: string): Promise<void> {
    return change(role, 'stage', note ? { to, note } : { to });
  }

  /** A write of the opportunity's owner, guarded by the ETag of the previous one. */
  async function change(role: Role, action: string, body: Record<string, unknown>): Promise<void> {
    const run = runs[role];
    const response = await asRep(run, 'post', `/opportunities/${run.opportunityId}/${action}`)
      .set('If-Match', run.etag as string)
      .send(body);
    if (response.status !== 200) {
      throw new Error(`${role} ${action} answered ${response.status}: ${JSON.stringify(response.body)}`);
    }
    run.etag = response.headers.etag;
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /**
   * Consumer groups are named after the services, not the test's schema: what an earlier suite left
   * unconsumed on the shared topic would reach these apps, and a stray conversion would open an
   * opportunity in this store (none of whose figures the script accounts for). Each group consuming
   * the lead lifecycle starts at the topic's end instead; a group another suite is running right
   * now cannot be moved, and is left alone.
   */
  async function skipLeftovers(brokers: string[]): Promise<void> {
    const admin = new Kafka({
      clientId: 'forecasting-spec-admin',
      brokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(LEADS_LIFECYCLE_TOPIC)) return;
      const ends = await admin.fetchTopicOffsets(LEADS_LIFECYCLE_TOPIC);
      const partitions = ends.map(({ partition, high }) => ({ partition, offset: high }));
      for (const { service } of [MARKETING_SCORING_SERVICE, SALES_ACCEPTANCE_SERVICE, OPPORTUNITY_SERVICE]) {
        await admin
          .setOffsets({ groupId: service, topic: LEADS_LIFECYCLE_TOPIC, partitions })
          .catch(() => undefined);
      }
    } finally {
      await admin.disconnect();
    }
  }

  function opportunityOf(role: Role): string {
    return runs[role].opportunityId as string;
  }

  async function issueKey(grant: Record<string, string>): Promise<string> {
    const { body } = await asAdmin(capture).post('/admin/api-keys').send(grant).expect(201);
    return body.key;
  }

  function repKey(owner: string, team: string): Promise<string> {
    const known = repKeys.get(owner);
    if (known) return known;
    const issued = issueKey({ role: 'rep', principal: owner, team });
    repKeys.set(owner, issued);
    return issued;
  }

  function asRep(run: LeadRun, method: 'get' | 'post', path: string) {
    const app = path.startsWith('/opportunities') ? opportunities : sales;
    return request(app.getHttpServer())[method](path).set('Authorization', `Bearer ${run.repKey}`);
  }

  function asAnalyst(path: string) {
    return request(forecasting.getHttpServer())
      .get(path)
      .set('Authorization', `Bearer ${analystKey}`)
      .expect(200);
  }

  /** Every answer the numbers above came from, with instants fixed so the same data answers the same. */
  async function answers(): Promise<Record<string, unknown>> {
    const paths = {
      funnel: `/funnel?groupBy=source&to=${end.toISOString()}`,
      funnelByMonth: `/funnel?groupBy=month&to=${end.toISOString()}`,
      forecast: `/forecast?period=${quarter.label}&groupBy=stage`,
      forecastByOwner: `/forecast?period=${quarter.label}&groupBy=owner`,
      nextQuarter: `/forecast?period=${nextQuarter.label}`,
      pipelineThen: `/pipeline?asOf=${between.toISOString()}`,
      pipelineAtEnd: `/pipeline?asOf=${end.toISOString()}`,
      changes: `/pipeline/changes?from=${between.toISOString()}&to=${end.toISOString()}`,
      winRate: '/analytics/win-rate?groupBy=source',
      lossReasons: '/analytics/loss-reasons',
      cycleTime: '/analytics/cycle-time',
      slippage: '/analytics/slippage',
      handoff: '/analytics/handoff',
      stageProbabilities: '/analytics/stage-probabilities',
    };
    const answered: Record<string, unknown> = {};
    for (const [name, path] of Object.entries(paths)) answered[name] = (await asAnalyst(path)).body;
    // Now, not an instant: an opportunity opened twice after `end` would show here.
    const { asOf: _asOf, ...now } = (await asAnalyst('/pipeline')).body;
    answered.pipelineNow = now;
    return answered;
  }

  /** Until the analytics projection applied the store's last event of its types. */
  async function caughtUp(): Promise<void> {
    let head: bigint | undefined;
    for (;;) {
      const page = await storage.events.readAll({
        ...(head !== undefined ? { after: head } : {}),
        eventTypes: analyticsProjection.eventTypes,
        maxCount: 1000,
      });
      if (page.length === 0) break;
      head = page[page.length - 1].position;
    }
    if (head === undefined) return;
    const target = head;
    await eventually(
      async () => {
        const rows = await sql
          .query<{ position: string | null }>(
            `SELECT position::text AS position FROM "${readSchema}".projection_checkpoints WHERE name = $1`,
            [analyticsProjection.name],
          )
          .catch(() => []);
        const position = rows[0]?.position;
        return position !== null && position !== undefined && BigInt(position) >= target ? true : undefined;
      },
      60_000,
      100,
    );
  }

  async function streamLengths(): Promise<Record<string, number>> {
    const lengths: Record<string, number> = {};
    for (const role of ROLES) {
      const run = runs[role];
      lengths[role] = (await storage.events.readStream(leadStreamId(run.leadId))).length;
      if (run.opportunityId)
        lengths[`${role}:opportunity`] = (
          await storage.events.readStream(opportunityStreamId(run.opportunityId))
        ).length;
    }
    return lengths;
  }

  function recorded(leadId: string, type: string): ReceivedMessage | undefined {
    return recorder.received.find(
      (message) => message.key === leadStreamId(leadId) && message.headers[KAFKA_HEADERS.type] === type,
    );
  }

  function asMessage(message: ReceivedMessage) {
    return { key: message.key, value: message.value, headers: message.headers };
  }

  async function consumed(app: INestApplication, type: string): Promise<number> {
    const metrics = parseExposition((await asAdmin(app).get('/metrics').expect(200)).text);
    return (metrics.get('leadledger_events_consumed_total')?.samples ?? [])
      .filter((sample) => sample.labels.event_type === type)
      .reduce((sum, sample) => sum + sample.value, 0);
  }

  /**
   * Per stage, the days of every completed visit, from the business times (`occurredAt`) of the
   * opportunity events in the store; from opening to won likewise.
   */
  async function cycleTimesFromStore() {
    const days = new Map<string, number[]>();
    const add = (stage: string, from: number, to: number) =>
      days.set(stage, [...(days.get(stage) ?? []), round2(Math.max(0, to - from) / DAY_MS)]);
    for (const role of CONVERTS) {
      const events: RecordedEvent[] = await storage.events.readStream(
        opportunityStreamId(opportunityOf(role)),
      );
      let current: { stage: string; at: number } | undefined;
      let openedAt = 0;
      for (const event of events) {
        const at = Date.parse(metaOf(event).occurredAt);
        const data = event.data as { stage?: string; to?: string };
        if (event.type === OPENED) {
          current = { stage: data.stage as string, at };
          openedAt = at;
        } else if (event.type === STAGE_CHANGED && current) {
          add(current.stage, current.at, at);
          current = { stage: data.to as string, at };
        } else if ((event.type === WON || event.type === LOST) && current) {
          add(current.stage, current.at, at);
          current = undefined;
          if (event.type === WON) add('opening_to_won', openedAt, at);
        }
      }
    }
    return [...days.entries()].map(([stage, values]) => ({
      pipeline: 'new-business',
      stage,
      count: values.length,
      medianDays: round2(percentileCont(values, 0.5)),
      p90Days: round2(percentileCont(values, 0.9)),
    }));
  }

  async function analyticsTables(): Promise<string[]> {
    const rows = await sql.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = $1 AND table_name LIKE 'analytics\\_%' ORDER BY table_name`,
      [readSchema],
    );
    return rows.map(({ name }) => name);
  }

  const analyticsProjectionTables = [
    'analytics_leads',
    'analytics_opportunities',
    'analytics_opportunity_history',
    'analytics_stage_visits',
    'analytics_close_date_changes',
  ];

  async function tableIds(): Promise<Record<string, string>> {
    const rows = await sql.query<{ name: string; id: string }>(
      `SELECT c.relname AS name, c.oid::text AS id FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname LIKE 'analytics\\_%'`,
      [readSchema],
    );
    return Object.fromEntries(rows.map(({ name, id }) => [name, id]));
  }

  /** Every analytics_* table of the read schema, each row as JSON, ordered by all its columns. */
  async function dumpAnalytics(): Promise<Record<string, unknown[]>> {
    const dump: Record<string, unknown[]> = {};
    for (const table of await analyticsTables()) {
      const columns = await sql.query<{ name: string }>(
        `SELECT column_name AS name FROM information_schema.columns
          WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
        [readSchema, table],
      );
      const order = columns.map(({ name }) => `t."${name}"`).join(', ');
      const rows = await sql.query<{ row: unknown }>(
        `SELECT to_jsonb(t) AS row FROM "${readSchema}"."${table}" t ORDER BY ${order}`,
      );
      dump[table] = rows.map(({ row }) => row);
    }
    return dump;
  }

  /** The analytics_* tables with a row whose text (every column) holds `text`. */
  async function tablesHolding(text: string): Promise<string[]> {
    const holding: string[] = [];
    for (const table of await analyticsTables()) {
      const [{ count }] = await sql.query<{ count: string }>(
        `SELECT count(*)::text AS count FROM "${readSchema}"."${table}" t WHERE strpos(t::text, $1) > 0`,
        [text],
      );
      if (Number(count) > 0) holding.push(table);
    }
    return holding;
  }
});
