/**
 * How the cost of the store and the read models grows with the events stored: at 10,000, 100,000 and
 * BENCH_SCALING_MAX lead-lifecycle events, on PostgreSQL (SqlEventStore on a fresh schema of
 * DATABASE_URL, dropped after) and on PGlite on disk (sizes up to BENCH_SCALING_PGLITE_MAX). At each
 * size, in this order:
 *
 *   (b) reading one lead's stream (GET /leads/{id}/events without HTTP), p50 and p99; and a page of
 *       events of types the store does not hold yet (what a projection's subscription, its lag gauge
 *       and a write waiting for it read before its first event);
 *   (c) rebuilding forecasting.analytics and lead-capture.lead-views from the first event with
 *       rebuildBeside, the code path of `npm run projections:rebuild`, each into a fresh read schema;
 *       BENCH_SCALING_REBUILD_CAP stops them after that many events (no cap unless set);
 *   (d) read-model queries on the rebuilt tables: GET /funnel over every lead, plain and grouped by
 *       source (the forecasting service's own SQL and aggregation, without HTTP), and GET /leads/{id}
 *       (a lead view by id), p50 and p99;
 *   (a) appends, last: 2,000 single-event appends to new streams one after another (rate, p50, p99),
 *       then 2,000 sent at once (what the group commit makes of concurrent writers).
 *
 * The events are what the services write, decided by their own deciders: lead-capture's identity
 * claims and LeadCaptured (from the simulation's leads: tools/simulation/plan.ts), each engagement
 * the simulation plans for the lead, and after each of those a rescore by the scoring decider with
 * the shipped model (LeadScored, LeadMarketingQualified, LeadDisqualified), with the services'
 * metadata and derived ids. No sales or opportunity events: a lead's lifecycle up to MQL, about 16
 * events per lead. Deciding costs milliseconds per lead, so 1,000 leads are decided once and then
 * cloned with fresh ids (every UUID and identity stream renamed consistently within a lead). Each
 * chunk of 1,000 leads is appended in business-time order, so a page of the global log mixes many
 * leads' captures, engagements and scores as a live store does. Seeding goes through the store's own
 * append: every command's events one append, thousands in flight, grouped by its group commit.
 *
 * BENCH_SCALING_MAX is 300,000 by default, not 1,000,000: on this machine (2 shared cores) seeding
 * through the store's append (`append_group`) runs at 1,000 to 3,300 events/s and rebuilding
 * forecasting.analytics at about 3,000 events/s on PostgreSQL, so 1,000,000 events take 5 to 15
 * minutes to seed and 9 more to rebuild both projections, on PostgreSQL alone. With 300,000 the
 * whole run took 12 minutes. PGlite stops at 100,000 by default: its seeding is slower still, and
 * it is the embedded default for small installations.
 *
 *   npm run bench -- scaling
 *   BENCH_SCALING_MAX=1000000 npm run bench -- scaling         the full million (half an hour or more)
 *   BENCH_SCALING_REBUILD_CAP=200000 npm run bench -- scaling  rebuild at most this many events
 *   BENCH_SCALING_PGLITE_MAX=0 npm run bench -- scaling        PostgreSQL only
 *   DATABASE_URL=postgres://... (set by `eval "$(bash scripts/infra.sh env)"`; that default otherwise)
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LEAD_IDENTITY_CLAIMED,
  identityStreamId,
  leadStreamId,
  loadPipelines,
  DEFAULT_PIPELINES_PATH,
  systemClock,
  type Actor,
  type LeadEvent,
} from '@leadledger/contracts';
import { deriveEventId, toEventToAppend, type ExpectedRevision } from '@leadledger/eventsourcing';
import {
  PgDriver,
  PgliteDriver,
  SqlEventStore,
  type EventStore,
  type EventToAppend,
  type SqlDriver,
} from '@leadledger/eventstore';
import { ForecastingService, analyticsProjection } from '@leadledger/forecasting';
import { identityKeysOf, leadDecider, readSubmission, LEAD_CAPTURE_SOURCE } from '@leadledger/lead-capture';
import {
  DEFAULT_SCORING_MODEL_PATH,
  MARKETING_SCORING_SOURCE,
  loadScoringModel,
  scoringDecider,
  type ScoringModel,
  type ScoringState,
} from '@leadledger/marketing-scoring';
import { opportunitiesProjection } from '@leadledger/opportunity';
import { rebuildBeside, type Projection } from '@leadledger/projections';
import { dropSchema, uniqueSchemaName } from '@leadledger/testing';
import { leadViewProjection, toLeadView } from '../../libs/lead-capture/src/projections/lead-view';
import { planSimulation } from '../simulation/plan';
import { percentile } from './child-pipeline';
import { median, recordResults, wholeNumberFromEnv, type BenchRow } from './results';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/leadledger_test';
/** Not 1,000,000 by default: see the header. */
const MAX = wholeNumberFromEnv('BENCH_SCALING_MAX', 300_000, 0);
const PGLITE_MAX = wholeNumberFromEnv('BENCH_SCALING_PGLITE_MAX', 100_000, 0);
/** No cap unless set: every size's rebuilds fit the run at the default sizes. */
const REBUILD_CAP = wholeNumberFromEnv('BENCH_SCALING_REBUILD_CAP', Number.POSITIVE_INFINITY, 0);
const SIZES = [...new Set([10_000, 100_000, MAX].map((size) => Math.min(size, MAX)))].filter(
  (size) => size > 0,
);

const APPENDS = 2_000;
const STREAM_READS = 500;
const VIEW_READS = 500;
const FUNNEL_RUNS = 5;
const POLLS = 20;
/** Leads decided by the real deciders; every further lead is a clone of one of them. */
const TEMPLATE_LEADS = 1_000;
/** Appends in flight while seeding: enough to keep the group commit's groups full. */
const SEED_WINDOW = 4_000;
/** The simulation's present; its leads span the year before. */
const NOW = new Date('2026-11-23T12:00:00Z');
/** From before the first lead: GET /funnel without `from`. */
const EVER = new Date('2000-01-01T00:00:00Z');
const PROJECTIONS: readonly Projection[] = [analyticsProjection, leadViewProjection];

interface Subject {
  readonly name: string;
  readonly maxSize: number;
  open(): Promise<{ store: SqlEventStore; db: SqlDriver; readSchema: (size: number) => string }>;
  cleanup(): Promise<void>;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const { model } = loadScoringModel(DEFAULT_SCORING_MODEL_PATH);
  let started = performance.now();
  const templates = decideTemplates(model);
  console.log(
    `decided ${TEMPLATE_LEADS} template leads in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
      `(${(templates.reduce((sum, lead) => sum + lead.events, 0) / TEMPLATE_LEADS).toFixed(1)} events per lead)`,
  );
  const pgSchema = uniqueSchemaName('bench_scaling');
  const dataDir = mkdtempSync(join(tmpdir(), 'leadledger-scaling-'));
  const subjects: Subject[] = [
    {
      name: 'PostgreSQL',
      maxSize: MAX,
      open: async () => {
        const db = new PgDriver({ connectionString: DATABASE_URL, max: 10 });
        const store = await SqlEventStore.open(db, { schema: pgSchema });
        return { store, db, readSchema: (size) => `${pgSchema}_read_${size}` };
      },
      cleanup: async () => {
        for (const size of SIZES) await dropSchema(DATABASE_URL, `${pgSchema}_read_${size}`);
        await dropSchema(DATABASE_URL, pgSchema);
      },
    },
    {
      name: 'PGlite (disk)',
      maxSize: PGLITE_MAX,
      open: async () => {
        const db = await PgliteDriver.open(dataDir);
        return { store: await SqlEventStore.open(db), db, readSchema: (size) => `read_${size}` };
      },
      cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
    },
  ];

  const rows: Array<BenchRow & { readonly size: number; readonly order: number }> = [];
  try {
    for (const subject of subjects) {
      const sizes = SIZES.filter((size) => size <= subject.maxSize);
      if (sizes.length === 0) continue;
      const { store, db, readSchema } = await subject.open();
      try {
        const seeder = new Seeder(store, templates);
        for (const size of sizes) {
          started = performance.now();
          await seeder.seedUpTo(size);
          const seedSeconds = (performance.now() - started) / 1000;
          console.log(
            `${subject.name}: ${seeder.stored.toLocaleString('en-US')} events stored ` +
              `(${seeder.leadCount.toLocaleString('en-US')} leads; seeding took ${seedSeconds.toFixed(1)} s)`,
          );
          const at = `at ${size.toLocaleString('en-US')} events`;
          const row = (order: number, measurement: string, value: number, unit: string, note?: string) =>
            rows.push({
              subject: subject.name,
              measurement: `${measurement} ${at}`,
              value,
              unit,
              size,
              order,
              ...(note ? { note } : {}),
            });
          row(
            0,
            'seed: appends many in flight',
            seeder.lastSeeded / seedSeconds,
            'events/s',
            `${seeder.lastSeeded.toLocaleString('en-US')} events; cloning them in this process included`,
          );

          const reads = await latencies(STREAM_READS, async () => {
            const events = await store.readStream(leadStreamId(seeder.randomLeadId()));
            if (events.length === 0) throw new Error('a seeded lead has no stream');
          });
          row(
            5,
            "read one lead's stream, p50",
            reads.p50,
            'ms',
            `${seeder.eventsPerLeadStream.toFixed(1)} events a stream`,
          );
          row(6, "read one lead's stream, p99", reads.p99, 'ms');

          // What a projection's subscription, its lag gauge and a write waiting for it read while the
          // store holds none of its events yet (opportunities, in a store of leads): a page by type.
          // Cheap through the (type, position) index, but only if the table has statistics: never
          // ANALYZEd (PGlite runs no autovacuum; nor does a server with it off), the planner walks the
          // whole log in position order instead, so this grows with the store.
          const absent = await latencies(POLLS, () =>
            store.readAll({ eventTypes: opportunitiesProjection.eventTypes, maxCount: 1_000 }),
          );
          row(
            6.5,
            'read a page of a type the store does not hold, p50',
            absent.p50,
            'ms',
            'opportunity events',
          );

          const schema = readSchema(size);
          for (const [index, projection] of PROJECTIONS.entries()) {
            const rebuilt = await rebuild(store, db, schema, projection);
            row(
              7 + index,
              `rebuild ${projection.name}`,
              rebuilt.eventsPerSecond,
              'events/s',
              `${rebuilt.events.toLocaleString('en-US')} events in ${(rebuilt.durationMs / 1000).toFixed(1)} s` +
                (rebuilt.capped ? `; capped at ${REBUILD_CAP.toLocaleString('en-US')}` : ''),
            );
          }

          const forecasting = new ForecastingService(
            store,
            systemClock,
            { sql: db, schema },
            loadPipelines(DEFAULT_PIPELINES_PATH).config,
          );
          let funnelLeads = 0;
          const funnel = await latencies(FUNNEL_RUNS, async () => {
            funnelLeads = (await forecasting.funnel(EVER, NOW)).total.counts.leads;
          });
          row(
            9,
            'GET /funnel, every lead (median)',
            funnel.median,
            'ms',
            `${funnelLeads.toLocaleString('en-US')} leads`,
          );
          const bySource = await latencies(FUNNEL_RUNS, () => forecasting.funnel(EVER, NOW, 'source'));
          row(10, 'GET /funnel?groupBy=source, every lead (median)', bySource.median, 'ms');
          const views = await latencies(VIEW_READS, async () => {
            const found = await leadViewProjection.find(db, schema, seeder.randomLeadId(REBUILD_CAP));
            if (!found || !toLeadView(found)) throw new Error('a seeded lead has no view');
          });
          row(11, 'GET /leads/{id} from lead_views, p50', views.p50, 'ms');
          row(12, 'GET /leads/{id} from lead_views, p99', views.p99, 'ms');
          // The next size rebuilds into a schema of its own; this one has served.
          await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);

          // Last, so the appended events (a type no projection reads) weigh on the next size only.
          const appends = await measureAppends(store, templates[0].captured, seeder);
          row(
            1,
            'append 1 event to a new stream, one at a time',
            appends.perSecond,
            'events/s',
            'a LeadCaptured-sized event',
          );
          row(2, 'append 1 event to a new stream, p50', appends.p50, 'ms');
          row(3, 'append 1 event to a new stream, p99', appends.p99, 'ms');
          row(
            4,
            `append ${APPENDS.toLocaleString('en-US')} at once`,
            appends.concurrentPerSecond,
            'events/s',
          );
        }
      } finally {
        await store.close();
      }
    }
  } finally {
    for (const subject of subjects) await subject.cleanup().catch((error: unknown) => console.error(error));
  }
  // Grouped by subject and measurement; within one, the largest size first, so the first "rebuild"
  // row of PostgreSQL (the summary's headline in run.ts) is forecasting.analytics at the largest size.
  const subjectOrder = subjects.map((subject) => subject.name);
  rows.sort(
    (a, b) =>
      subjectOrder.indexOf(a.subject) - subjectOrder.indexOf(b.subject) ||
      a.order - b.order ||
      b.size - a.size,
  );
  recordResults(
    'scaling',
    startedAt,
    rows.map(({ size: _size, order: _order, ...row }) => row),
  );
}

// ---------------------------------------------------------------------------------------------------
// The events

/** One command's events as its service appends them, to be cloned: JSON with the template's ids. */
interface TemplateAppend {
  /** `lead` for the lead's own stream, else the identity stream it claims. */
  readonly stream: string;
  /** Business time, ms; never earlier than the stream's previous append. */
  readonly at: number;
  readonly json: string;
  readonly count: number;
}

interface TemplateLead {
  readonly appends: readonly TemplateAppend[];
  readonly events: number;
  /** Its LeadCaptured (JSON, the template's ids), for the single-event appends of (a). */
  readonly captured: string;
}

/** Decides TEMPLATE_LEADS of the simulation's leads with the services' deciders, as they would. */
function decideTemplates(model: ScoringModel): TemplateLead[] {
  const { leads } = planSimulation({ leads: TEMPLATE_LEADS, months: 12, seed: 7, now: NOW });
  const claimed = new Set<string>();
  return leads.map((lead) => {
    const leadId = randomUUID();
    const { submission } = readSubmission(lead.submission as Parameters<typeof readSubmission>[0]);
    const appends: TemplateAppend[] = [];
    let state: ScoringState = scoringDecider.initialState;
    let lastAt = Date.parse(lead.submission.occurredAt);
    let captured: EventToAppend | undefined;
    const push = (stream: string, at: number, events: EventToAppend[]) => {
      lastAt = stream === 'lead' ? Math.max(lastAt + 1, at) : at;
      appends.push({
        stream,
        at: stream === 'lead' ? lastAt : at,
        json: JSON.stringify(events),
        count: events.length,
      });
    };
    const record = (decided: LeadEvent[], handler: string, source: string, actor: Actor, at: number) => {
      if (decided.length === 0) return;
      const causationId = randomUUID();
      const occurredAt = new Date(at).toISOString();
      const events = decided.map((event, index) => {
        const toAppend = toEventToAppend(
          event,
          index,
          { handler, source },
          { causationId, correlationId: causationId, actor, occurredAt },
        );
        state = scoringDecider.evolve(state, event, { id: toAppend.id, occurredAt });
        return toAppend;
      });
      captured ??= events[0];
      push('lead', at, events);
    };
    const rescore = (after: number) =>
      // marketing-scoring rescoring right after the event, as its consumer does.
      record(
        scoringDecider.decide({ type: 'Rescore', leadId, model, asOf: new Date(after + 2_000) }, state),
        'marketing-scoring:rescore',
        MARKETING_SCORING_SOURCE,
        'system:marketing-scoring',
        after + 2_000,
      );

    const capturedAt = Date.parse(lead.submission.occurredAt);
    for (const key of identityKeysOf(submission)) {
      if (claimed.has(key)) continue;
      claimed.add(key);
      const claim = { leadId, keyKind: key.slice(0, key.indexOf(':')) };
      push(identityStreamId(key), capturedAt, [
        { id: deriveEventId(leadId, `identity:${key}`), type: LEAD_IDENTITY_CLAIMED, data: claim },
      ]);
    }
    record(
      leadDecider.decide({ type: 'SubmitLead', leadId, submission }, undefined),
      'lead-capture:submit-lead',
      LEAD_CAPTURE_SOURCE,
      'api-key:bench',
      capturedAt,
    );
    rescore(capturedAt);
    for (const { occurredAt, ...engagement } of lead.engagements) {
      const at = Date.parse(occurredAt);
      record(
        [{ type: 'LeadEngagementRecorded', data: { leadId, ...engagement } }],
        'lead-capture:record-engagement',
        LEAD_CAPTURE_SOURCE,
        'api-key:bench',
        at,
      );
      rescore(at);
    }
    if (!captured) throw new Error('a template lead was not captured');
    const template = (json: string) => json.replaceAll(leadId, TEMPLATE_LEAD_ID);
    return {
      appends: appends.map((append) => ({ ...append, json: template(append.json) })),
      events: appends.reduce((sum, append) => sum + append.count, 0),
      captured: template(JSON.stringify(captured)),
    };
  });
}

/** Stands for the lead's own id in a template: every clone gets a fresh one in its place. */
const TEMPLATE_LEAD_ID = '00000000-0000-4000-8000-000000000000';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

interface Append {
  readonly streamId: string;
  readonly events: EventToAppend[];
  readonly expectedRevision: ExpectedRevision;
  readonly at: number;
  readonly order: number;
}

/** Renames every UUID in templates' JSON to a fresh one, the same one wherever it recurs. */
function freshIds(): { leadId: string; parse: <T>(json: string) => T } {
  const renamed = new Map<string, string>();
  const rename = (id: string) => {
    let fresh = renamed.get(id);
    if (!fresh) renamed.set(id, (fresh = randomUUID()));
    return fresh;
  };
  return {
    leadId: rename(TEMPLATE_LEAD_ID),
    parse: <T>(json: string) => JSON.parse(json.replace(UUID, rename)) as T,
  };
}

/** A lead of a template with every id fresh: its own id, event ids, causations, score breakdowns. */
function cloneLead(template: TemplateLead): { leadId: string; appends: Append[] } {
  const { leadId, parse } = freshIds();
  let revision = -1n;
  const appends = template.appends.map(({ stream, at, json }, order) => {
    const events = parse<EventToAppend[]>(json);
    if (stream !== 'lead') {
      // An identity claim: a key of its own per clone (the key hashes an email or external id).
      return {
        streamId: `identity-${randomBytes(32).toString('hex')}`,
        events,
        expectedRevision: 'no_stream' as const,
        at,
        order,
      };
    }
    const expectedRevision: ExpectedRevision = revision < 0n ? 'no_stream' : revision;
    revision += BigInt(events.length);
    return { streamId: leadStreamId(leadId), events, expectedRevision, at, order };
  });
  return { leadId, appends };
}

/** Appends cloned leads, a chunk of TEMPLATE_LEADS at a time in business-time order, up to a size. */
class Seeder {
  stored = 0;
  lastSeeded = 0;
  leadCount = 0;
  private leadStreamEvents = 0;
  private readonly leadIds: string[] = [];
  private pending: Append[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly templates: readonly TemplateLead[],
  ) {}

  get eventsPerLeadStream(): number {
    return this.leadStreamEvents / Math.max(1, this.leadCount);
  }

  /** A lead seeded so far, at random; among the first `within` events' leads when given. */
  randomLeadId(within = Number.POSITIVE_INFINITY): string {
    // Leads were seeded in order; a lead's events span a chunk, so keep off the edge of `within`.
    const share = Math.min(1, (0.9 * within) / Math.max(1, this.stored));
    return this.leadIds[Math.floor(Math.random() * Math.max(1, Math.floor(this.leadIds.length * share)))];
  }

  /** Events appended outside the seeding (the append measurements) count toward the size too. */
  counted(events: number): void {
    this.stored += events;
  }

  async seedUpTo(size: number): Promise<void> {
    const before = this.stored;
    while (this.stored < size) {
      const window: Promise<unknown>[] = [];
      while (window.length < SEED_WINDOW && this.stored < size) {
        if (this.pending.length === 0) this.pending = this.nextChunk();
        const append = this.pending.shift() as Append;
        window.push(
          this.store.append(append.streamId, append.events, { expectedRevision: append.expectedRevision }),
        );
        this.stored += append.events.length;
        if (append.streamId.startsWith('lead-')) {
          this.leadStreamEvents += append.events.length;
          if (append.expectedRevision === 'no_stream') {
            this.leadCount += 1;
            this.leadIds.push(append.streamId.slice('lead-'.length));
          }
        }
      }
      await Promise.all(window);
    }
    this.lastSeeded = this.stored - before;
  }

  private nextChunk(): Append[] {
    const appends = this.templates.flatMap((template) => cloneLead(template).appends);
    // Business-time order, each stream's own appends in their order: a live store's interleaving.
    return appends.sort((a, b) => a.at - b.at || a.order - b.order);
  }
}

// ---------------------------------------------------------------------------------------------------
// The measurements

/**
 * Single-event appends to new streams, as a new lead's capture is: its LeadCaptured's data and
 * metadata, under a type and stream category no projection reads, so the read models measured at
 * the next size hold only the seeded leads.
 */
async function measureAppends(store: EventStore, captured: string, seeder: Seeder) {
  const append = () => {
    const { leadId, parse } = freshIds();
    const event = { ...parse<EventToAppend>(captured), type: 'leadledger.bench.append.v1' };
    return store.append(`bench-${leadId}`, [event], { expectedRevision: 'no_stream' });
  };
  const one = await latencies(APPENDS, append);
  const started = performance.now();
  await Promise.all(Array.from({ length: APPENDS }, append));
  const concurrentMs = performance.now() - started;
  seeder.counted(2 * APPENDS);
  return {
    perSecond: (APPENDS * 1000) / one.totalMs,
    p50: one.p50,
    p99: one.p99,
    concurrentPerSecond: (APPENDS * 1000) / concurrentMs,
  };
}

/** Runs `work` `count` times, one after another, and reads its latencies. */
async function latencies(count: number, work: () => Promise<unknown>) {
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const before = performance.now();
    await work();
    samples.push(performance.now() - before);
  }
  const totalMs = performance.now() - started;
  const sorted = samples.sort((a, b) => a - b);
  return { totalMs, p50: percentile(sorted, 50), p99: percentile(sorted, 99), median: median(sorted) };
}

/**
 * A rebuild as `npm run projections:rebuild` does it (rebuildBeside), into `schema`, of the store's
 * first REBUILD_CAP events at most: past the cap the store reads as ending there.
 */
async function rebuild(store: EventStore, db: SqlDriver, schema: string, projection: Projection) {
  let read = 0;
  let capped = false;
  const events: Pick<EventStore, 'readAll' | 'subscribeToAll'> = {
    subscribeToAll: (options) => store.subscribeToAll(options),
    readAll: async (options = {}) => {
      const left = REBUILD_CAP - read;
      if (left <= 0) return [];
      const page = await store.readAll({ ...options, maxCount: Math.min(options.maxCount ?? 500, left) });
      read += page.length;
      // A page cut short by the cap ends the rebuild's catching up: the store reads as ending there.
      capped ||= read >= REBUILD_CAP;
      return page;
    },
  };
  const result = await rebuildBeside({ events, db, projection, schema });
  return { ...result, capped };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
