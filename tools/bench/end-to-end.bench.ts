/**
 * The whole pipeline end to end on real Kafka and PostgreSQL: lead-capture, marketing-scoring,
 * sales-acceptance, opportunity and forecasting, each an OS process of its own started as `npm run
 * start:<service>` starts it (node with ts-node, transpile-only as tsconfig.tools.json says, on
 * apps/<service>/src/main.ts), each on its own HTTP port, all on one PostgreSQL database created for
 * the run and dropped after it. lead-capture runs the relay (store -> Kafka); scoring, sales and
 * opportunity consume `leadledger.leads.lifecycle`; forecasting follows the event store itself and
 * gets no broker, as the README says.
 *
 * Leads go in as an integration sends them: over HTTP to lead-capture with an ingest API key
 * (authentication and the rate limit count), one lead per POST /leads, then its two engagements
 * (POST /leads/{id}/engagements), each sent once the previous answer came: 3 events per lead. One
 * lead in MQL_EVERY is made to become an MQL (fit 65; pricing page, then a demo request: engagement
 * 40), so it is also assigned to a rep by sales-acceptance; the others get an email open and a
 * whitepaper download (engagement 9) and stay leads. Capture, scoring, MQL, assignment and the read
 * models of every service all take part.
 *
 * Phases, one after another, each drained (every lead visible) before the next:
 *  - a warm-up of a few leads (not reported);
 *  - each fixed offered load of BENCH_E2E_RATES, open loop for BENCH_E2E_RATE_SECONDS: leads are
 *    started at rate / 3 per second whatever the answers (each lead's engagements follow its own
 *    answers: an engagement needs the lead id), up to BENCH_E2E_MAX_IN_FLIGHT leads in flight; a
 *    lead due while that many are in flight is not started, and counted, so a load the pipeline
 *    cannot take shows as "started" below "offered";
 *  - the maximum load: BENCH_E2E_LEADS leads, BENCH_E2E_CONCURRENCY of them in flight at all times.
 * Rates count intake events (a capture or an engagement). At the maximum load they are steady-state:
 * events per second between the 10th and the 90th percentile of their times (answers for "accepted",
 * visibility for "through to the read models"), so the ramp and the tail do not dilute them. Under a
 * fixed load they run over the whole phase, from its start to the last answer or the last lead
 * visible: a pipeline slower than the offer shows as exactly that. "store appends" counts what the
 * services together appended to the event store for those events.
 *
 * "Visible" means: forecasting's analyst table `read.analytics_leads` (which follows the event store,
 * so it sees lead-capture's, marketing-scoring's and sales-acceptance's events alike) shows the lead
 * with both engagements counted and scored with the engagement points of both (40, or 9), i.e. its
 * last engagement went from lead-capture's store append through the relay, Kafka, marketing-scoring
 * (rescore, LeadScored appended) and back through the store into forecasting's projection. For the
 * MQLs, "assigned" additionally needs `first_assigned_at`: the MQL went through Kafka to
 * sales-acceptance, which picked a rep and appended the assignment. Latency runs from the HTTP
 * answer (202) to the lead's last engagement to the poll that first saw it: one query a POLL_MS
 * covers every lead awaited, so figures have that resolution. Since lead-capture answers only once
 * its own lead view has the write (read your writes, up to 5 s), that answer can come late; "capture
 * sent to visible" is therefore reported too: from sending the lead's capture to visible, its three
 * requests included, i.e. what the integration waits for.
 *
 * Kafka isolation: topic names (libs/contracts/src/lib/topics.ts) and consumer group ids (each
 * consumer's name, `dead-letter-archive`) are fixed in the code; no setting prefixes them. So the
 * bench makes its consumer groups fresh the only way left: it waits until none of them has a member
 * (e.g. a test suite of the same broker), moves their committed offsets to the topics' ends, and
 * checks after start, then every 5 s, that only its own processes are members (a note says otherwise).
 *
 * Also reports each service's peak RSS (VmRSS every second) and, at the maximum load, the CPU of
 * each service, of this client, of the database's PostgreSQL backends and of the Kafka broker.
 *
 *   bash scripts/infra.sh up && eval "$(bash scripts/infra.sh env)"
 *   npm run bench -- end-to-end
 *
 * Env: DATABASE_URL, KAFKA_BROKERS (else libs/testing finds or starts them); BENCH_E2E_LEADS (leads
 * at the maximum load, 20,000: 60,000 events, about 10 minutes at the 122 events/s measured on 2
 * cores; BENCH_E2E_LEADS=5000 makes a run of about 5 minutes); BENCH_E2E_RATES (fixed offered loads in events/s, "1000,5000");
 * BENCH_E2E_RATE_SECONDS (20); BENCH_E2E_CONCURRENCY (leads in flight at the maximum, 64);
 * BENCH_E2E_MAX_IN_FLIGHT (leads in flight at most under a fixed load, 1,000);
 * BENCH_E2E_DRAIN_SECONDS (how long a phase may take to become visible after its last answer, 900);
 * BENCH_E2E_RATE_LIMIT_PER_MINUTE (lead-capture's RATE_LIMIT_PER_MINUTE, 100,000,000: the default
 * 6,000 a minute per principal would cap one ingest key at 100 requests, i.e. 100 events, a second).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  deadLetterTopicOf,
  LEADS_INBOUND_TOPIC,
  LEADS_LIFECYCLE_TOPIC,
  OPPORTUNITIES_LIFECYCLE_TOPIC,
} from '@leadledger/contracts';
import {
  ensureTopics,
  startPipelineProcess,
  testKafkaBrokers,
  testPostgresUrl,
  type PipelineProcess,
} from '@leadledger/testing';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Client } from 'pg';
import { ingestKeyOf, percentile, rssMiB } from './child-pipeline';
import { recordResults, wholeNumberFromEnv, type BenchRow } from './results';

const LEADS = wholeNumberFromEnv('BENCH_E2E_LEADS', 20_000);
const RATES = (process.env.BENCH_E2E_RATES ?? '1000,5000')
  .split(',')
  .map((rate) => rate.trim())
  .filter(Boolean)
  .map((rate) => {
    const value = Number(rate);
    if (!Number.isInteger(value) || value < 1) throw new Error(`BENCH_E2E_RATES: "${rate}" is no rate`);
    return value;
  });
const RATE_SECONDS = wholeNumberFromEnv('BENCH_E2E_RATE_SECONDS', 20);
const CONCURRENCY = wholeNumberFromEnv('BENCH_E2E_CONCURRENCY', 64);
const MAX_IN_FLIGHT = wholeNumberFromEnv('BENCH_E2E_MAX_IN_FLIGHT', 1_000);
const DRAIN_SECONDS = wholeNumberFromEnv('BENCH_E2E_DRAIN_SECONDS', 900);
const RATE_LIMIT_PER_MINUTE = wholeNumberFromEnv('BENCH_E2E_RATE_LIMIT_PER_MINUTE', 100_000_000);

const WARM_UP_LEADS = 24;
const EVENTS_PER_LEAD = 3;
const MQL_EVERY = 4;
/** Second engagement last: only once it is scored does the engagement reach these points. */
const MQL_ACTIVITIES = ['pricing_page_view', 'demo_requested'] as const;
const MQL_ENGAGEMENT = 40;
const NURTURE_ACTIVITIES = ['email_open', 'whitepaper_download'] as const;
const NURTURE_ENGAGEMENT = 9;
const POLL_MS = 100;
const SAMPLE_MS = 1_000;
const STOP_TIMEOUT_MS = 20_000;
const GROUP_WAIT_MS = 120_000;

const SERVICES = [
  'lead-capture',
  'marketing-scoring',
  'sales-acceptance',
  'opportunity',
  'forecasting',
] as const;
type ServiceName = (typeof SERVICES)[number];

const DEAD_LETTER_TOPICS = [
  LEADS_INBOUND_TOPIC,
  LEADS_LIFECYCLE_TOPIC,
  OPPORTUNITIES_LIFECYCLE_TOPIC,
  'leadledger.relay.unroutable',
].map(deadLetterTopicOf);

/** Every consumer group the Kafka services join, its topics, and how many members the bench brings. */
const CONSUMER_GROUPS: ReadonlyArray<{ group: string; topics: readonly string[]; members: number }> = [
  { group: 'lead-capture', topics: [LEADS_INBOUND_TOPIC], members: 1 },
  { group: 'marketing-scoring', topics: [LEADS_LIFECYCLE_TOPIC], members: 1 },
  { group: 'sales-acceptance', topics: [LEADS_LIFECYCLE_TOPIC], members: 1 },
  { group: 'opportunity', topics: [LEADS_LIFECYCLE_TOPIC], members: 1 },
  // Every service with a broker archives dead letters, all as this one group.
  { group: 'dead-letter-archive', topics: DEAD_LETTER_TOPICS, members: 4 },
];

interface Service {
  readonly name: ServiceName;
  readonly process: PipelineProcess;
}

/** What cleanUp() must undo, however main() ends. */
const running: Service[] = [];
let benchDatabase: { readonly serverUrl: string; readonly name: string } | undefined;
let kafkaAdmin: Admin | undefined;
const openClients: Client[] = [];
let cleaning: Promise<void> | undefined;

// ---------------------------------------------------------------------------------------------------
// One lead's life as the integration sends it

interface LeadRecord {
  /** performance.now() when its capture was sent. */
  readonly startedAt: number;
  readonly mql: boolean;
  readonly minEngagement: number;
  leadId?: string;
  /** performance.now() of the answer to its last event. */
  lastAckAt?: number;
  visibleAt?: number;
  assignedAt?: number;
  failed?: boolean;
}

interface PhaseStats {
  readonly label: string;
  /** A closed-loop phase, whose rates are steady-state ones; else an open-loop one at a fixed load. */
  readonly steady: boolean;
  readonly startedAt: number;
  readonly leads: LeadRecord[];
  readonly ackTimes: number[];
  readonly requestMs: number[];
  readonly statuses: Map<number, number>;
  firstFailure?: string;
  startedLeads: number;
  skippedLeads: number;
  sendingEndedAt?: number;
  drainedAt?: number;
  notVisible: number;
  cpu?: Map<string, number>;
  /** Average number of the database's backends in each state (and wait event) while sending. */
  waits?: Map<string, number>;
  /** Events appended to the store, by every service, from the phase's start until it drained. */
  storeEvents?: number;
}

function newPhase(label: string, steady: boolean): PhaseStats {
  return {
    label,
    steady,
    startedAt: performance.now(),
    leads: [],
    ackTimes: [],
    requestMs: [],
    statuses: new Map(),
    startedLeads: 0,
    skippedLeads: 0,
    notVisible: 0,
  };
}

class IntakeClient {
  private readonly headers: Record<string, string>;

  constructor(
    private readonly baseUrl: string,
    key: string,
  ) {
    this.headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` };
  }

  async post(
    path: string,
    body: unknown,
    stats: PhaseStats,
  ): Promise<{ ok: boolean; body?: { leadId?: string }; at: number }> {
    const sentAt = performance.now();
    let status = 0;
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify(body),
      });
      status = response.status;
      const text = await response.text();
      const at = performance.now();
      stats.statuses.set(status, (stats.statuses.get(status) ?? 0) + 1);
      if (response.ok) {
        stats.ackTimes.push(at);
        stats.requestMs.push(at - sentAt);
        return { ok: true, body: JSON.parse(text) as { leadId?: string }, at };
      }
      stats.firstFailure ??= `${path.replace(/[0-9a-f-]{36}/, '{id}')} answered ${status}: ${text.slice(0, 200)}`;
      return { ok: false, at };
    } catch (error) {
      stats.statuses.set(status, (stats.statuses.get(status) ?? 0) + 1);
      const cause = error instanceof Error ? String(error.cause ?? error.message) : String(error);
      stats.firstFailure ??= `${path.replace(/[0-9a-f-]{36}/, '{id}')} failed: ${cause}`;
      return { ok: false, at: performance.now() };
    }
  }
}

function leadBody(tag: string, index: number): unknown {
  // fit: 250..749 employees (25), VP (20), software (10), a country (DE 10, GB 5, US 0) -> 55..65
  const country = ['DE', 'US', 'GB'][index % 3];
  const company = index % 997;
  return {
    source: 'web_form',
    sourceDetail: 'bench-e2e',
    contact: {
      email: `e2e-${tag}-${index}@acme-${company}.io`,
      firstName: 'Ana',
      lastName: `Bench ${index}`,
      jobTitle: 'VP Sales',
    },
    company: { name: `Acme ${company}`, size: 250 + (index % 500), industry: 'software', country },
  };
}

async function runLead(
  api: IntakeClient,
  tag: string,
  index: number,
  stats: PhaseStats,
  tracker: VisibilityTracker,
): Promise<void> {
  const mql = index % MQL_EVERY === 0;
  const record: LeadRecord = {
    startedAt: performance.now(),
    mql,
    minEngagement: mql ? MQL_ENGAGEMENT : NURTURE_ENGAGEMENT,
  };
  stats.leads.push(record);
  const captured = await api.post('/leads', leadBody(tag, index), stats);
  const leadId = captured.body?.leadId;
  if (!captured.ok || !leadId) {
    record.failed = true;
    return;
  }
  let lastAckAt = captured.at;
  for (const activity of mql ? MQL_ACTIVITIES : NURTURE_ACTIVITIES) {
    const engaged = await api.post(
      `/leads/${leadId}/engagements`,
      { activity, occurredAt: new Date().toISOString() },
      stats,
    );
    if (!engaged.ok) {
      record.failed = true;
      return;
    }
    lastAckAt = engaged.at;
  }
  record.leadId = leadId;
  record.lastAckAt = lastAckAt;
  tracker.watch(record);
}

/** Open loop: leads started at `eventsPerSecond / 3` a second, whatever the answers, up to the in-flight cap. */
async function offerAt(
  eventsPerSecond: number,
  api: IntakeClient,
  tracker: VisibilityTracker,
  stats: PhaseStats,
  guard: () => void,
): Promise<void> {
  const leadsPerMs = eventsPerSecond / EVENTS_PER_LEAD / 1_000;
  const inFlight = new Set<Promise<void>>();
  const tag = `r${eventsPerSecond}-${randomBytes(3).toString('hex')}`;
  const durationMs = RATE_SECONDS * 1_000;
  let due = 0;
  for (;;) {
    const elapsed = performance.now() - stats.startedAt;
    if (elapsed >= durationMs) break;
    const dueNow = Math.floor(elapsed * leadsPerMs);
    for (; due < dueNow; due++) {
      if (inFlight.size >= MAX_IN_FLIGHT) {
        stats.skippedLeads += 1;
        continue;
      }
      const lead: Promise<void> = runLead(api, tag, stats.startedLeads++, stats, tracker).finally(() =>
        inFlight.delete(lead),
      );
      inFlight.add(lead);
    }
    guard();
    await sleep(1);
  }
  stats.sendingEndedAt = performance.now();
  await Promise.all(inFlight);
}

/** Closed loop at `concurrency` leads in flight: as much as the pipeline answers. */
async function saturate(
  leads: number,
  concurrency: number,
  api: IntakeClient,
  tracker: VisibilityTracker,
  stats: PhaseStats,
  guard: () => void,
): Promise<void> {
  const tag = `max-${randomBytes(3).toString('hex')}`;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, leads) }, async () => {
      while (stats.startedLeads < leads) {
        guard();
        await runLead(api, tag, stats.startedLeads++, stats, tracker);
      }
    }),
  );
  stats.sendingEndedAt = performance.now();
}

// ---------------------------------------------------------------------------------------------------
// Visibility in the read model

/** One query a POLL_MS over every lead awaited: visible, and for MQLs assigned, in read.analytics_leads. */
class VisibilityTracker {
  private readonly pending = new Map<string, LeadRecord>();
  private polling = true;
  private loop: Promise<void> | undefined;
  pollErrors = 0;

  constructor(private readonly client: Client) {}

  watch(record: LeadRecord): void {
    if (record.leadId) this.pending.set(record.leadId, record);
  }

  get awaited(): number {
    return this.pending.size;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.polling = false;
    await this.loop;
  }

  /** Resolves once nothing is awaited, or at the deadline with how many still are (given up on then). */
  async drained(deadline: number, guard: () => void): Promise<number> {
    while (this.pending.size > 0 && performance.now() < deadline) {
      guard();
      await sleep(POLL_MS);
    }
    const left = this.pending.size;
    this.pending.clear();
    return left;
  }

  private async run(): Promise<void> {
    while (this.polling) {
      const sentAt = performance.now();
      if (this.pending.size > 0) {
        try {
          const { rows } = await this.client.query<{
            id: string;
            engagement: number | null;
            engagements: number;
            assigned: boolean;
          }>(
            `SELECT lead_id::text AS id, engagement, engagements, first_assigned_at IS NOT NULL AS assigned
               FROM read.analytics_leads WHERE lead_id = ANY($1::uuid[])`,
            [[...this.pending.keys()]],
          );
          for (const row of rows) {
            const record = this.pending.get(row.id);
            if (!record) continue;
            const scored = row.engagements >= 2 && (row.engagement ?? 0) >= record.minEngagement;
            if (record.visibleAt === undefined && scored) record.visibleAt = sentAt;
            if (record.mql && record.assignedAt === undefined && row.assigned) {
              record.assignedAt = sentAt;
              record.visibleAt ??= sentAt;
            }
            if (record.visibleAt !== undefined && (!record.mql || record.assignedAt !== undefined))
              this.pending.delete(row.id);
          }
        } catch (error) {
          this.pollErrors += 1;
          if (this.pollErrors <= 3) console.warn(`visibility poll failed: ${String(error)}`);
        }
      }
      await sleep(Math.max(10, POLL_MS - (performance.now() - sentAt)));
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Resources: RSS and CPU of every process involved

const CLOCK_TICKS = (() => {
  const answer = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(answer.stdout?.trim());
  return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
})();

function cpuTicksOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** The machine's CPU ticks: busy (user, system, irq...), stolen by the hypervisor, and all. */
function machineTicks(): { busy: number; steal: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal guest guest_nice (guest time is within user)
  const numbers = values.slice(0, 8).map(Number);
  const total = numbers.reduce((sum, value) => sum + value, 0);
  const steal = numbers[7] ?? 0;
  return { busy: total - numbers[3] - numbers[4] - steal, steal, total };
}

function kafkaBrokerPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('kafka.Kafka')) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const CLIENT = 'bench client (this process)';
const POSTGRES = 'PostgreSQL (backends of the bench database)';
const KAFKA = 'Kafka broker';
const CORES = readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? 1;
const MACHINE = `machine (${CORES} cores, everyone's)`;
const OTHERS = 'everything else on the machine';
const STEAL = 'stolen by the hypervisor';

/** Samples every second: peak RSS per service, and CPU ticks per process group, cumulative. */
class ResourceSampler {
  readonly peakRssMiB = new Map<ServiceName, number>();
  readonly dead = new Set<ServiceName>();
  private readonly ticks = new Map<string, number>();
  private readonly backendTicks = new Map<number, number>();
  /** Samples of the database's non-idle backends by state and wait event, cumulative. */
  readonly waits = new Map<string, number>();
  private readonly kafkaPids = kafkaBrokerPids();
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;

  constructor(
    private readonly services: readonly Service[],
    private readonly client: Client,
    private readonly database: string,
  ) {}

  start(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), SAMPLE_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Cumulative CPU seconds per subject, and the machine's busy share, now. */
  snapshot(): { at: number; seconds: Map<string, number>; machine: ReturnType<typeof machineTicks> } {
    this.sampleProcesses();
    const seconds = new Map<string, number>();
    for (const [subject, ticks] of this.ticks) seconds.set(subject, ticks / CLOCK_TICKS);
    return { at: performance.now(), seconds, machine: machineTicks() };
  }

  private sampleProcesses(): void {
    for (const service of this.services) {
      try {
        const rss = rssMiB(service.process.pid);
        this.peakRssMiB.set(service.name, Math.max(rss, this.peakRssMiB.get(service.name) ?? 0));
      } catch {
        this.dead.add(service.name);
      }
      const ticks = cpuTicksOf(service.process.pid);
      if (ticks !== undefined) this.ticks.set(service.name, ticks);
    }
    const own = cpuTicksOf(process.pid);
    if (own !== undefined) this.ticks.set(CLIENT, own);
    const kafka = this.kafkaPids.reduce((sum, pid) => sum + (cpuTicksOf(pid) ?? 0), 0);
    this.ticks.set(KAFKA, kafka);
  }

  private async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      this.sampleProcesses();
      // Backends come and go (pools); what each used since it was last seen is added up.
      const { rows } = await this.client.query<{ pid: number; state: string | null; wait: string | null }>(
        `SELECT pid, state, wait_event_type || ':' || wait_event AS wait
           FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [this.database],
      );
      let added = 0;
      for (const { pid, state, wait } of rows) {
        if (state && state !== 'idle') {
          const key = `${state}${wait ? ` waiting on ${wait}` : ' (on CPU)'}`;
          this.waits.set(key, (this.waits.get(key) ?? 0) + 1);
        }
        const ticks = cpuTicksOf(pid);
        if (ticks === undefined) continue;
        added += ticks - (this.backendTicks.get(pid) ?? 0);
        this.backendTicks.set(pid, ticks);
      }
      this.ticks.set(POSTGRES, (this.ticks.get(POSTGRES) ?? 0) + added);
    } catch {
      // a missed sample only coarsens the figures
    } finally {
      this.sampling = false;
    }
  }
}

/** CPU of each subject between two snapshots, in percent of one core. */
function cpuBetween(
  from: ReturnType<ResourceSampler['snapshot']>,
  to: ReturnType<ResourceSampler['snapshot']>,
): Map<string, number> {
  const wallSeconds = (to.at - from.at) / 1_000;
  const cpu = new Map<string, number>();
  for (const [subject, seconds] of to.seconds)
    cpu.set(subject, ((seconds - (from.seconds.get(subject) ?? 0)) / wallSeconds) * 100);
  const ticks = Math.max(1, to.machine.total - from.machine.total);
  const busy = ((to.machine.busy - from.machine.busy) / ticks) * 100 * CORES;
  const ours = [...cpu.values()].reduce((sum, value) => sum + value, 0);
  cpu.set(OTHERS, Math.max(0, busy - ours));
  cpu.set(MACHINE, busy);
  cpu.set(STEAL, ((to.machine.steal - from.machine.steal) / ticks) * 100 * CORES);
  return cpu;
}

// ---------------------------------------------------------------------------------------------------
// PostgreSQL, Kafka and the services

async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  benchDatabase = { serverUrl, name };
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

async function connectAdmin(brokers: readonly string[]): Promise<Admin> {
  const admin = new Kafka({
    clientId: 'leadledger-bench-e2e',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  kafkaAdmin = admin;
  return admin;
}

async function membersOf(admin: Admin): Promise<Map<string, number>> {
  const { groups } = await admin.describeGroups(CONSUMER_GROUPS.map(({ group }) => group));
  return new Map(groups.map((group) => [group.groupId, group.members.length]));
}

/**
 * The services' groups start at the end of their topics, as fresh groups of a fresh topic would: what
 * earlier runs and test suites left there is not this run's. Only possible while a group is empty.
 */
async function freshConsumerGroups(admin: Admin, brokers: readonly string[]): Promise<void> {
  await ensureTopics(brokers, [...new Set(CONSUMER_GROUPS.flatMap(({ topics }) => topics))]);
  const deadline = Date.now() + GROUP_WAIT_MS;
  for (;;) {
    const busy = [...(await membersOf(admin))].filter(([, members]) => members > 0);
    if (busy.length === 0) {
      try {
        for (const { group, topics } of CONSUMER_GROUPS)
          for (const topic of topics) await admin.resetOffsets({ groupId: group, topic, earliest: false });
        return;
      } catch (error) {
        // Somebody joined between the look and the reset (kafkajs refuses a group with members).
        if (!/no running instances/.test(String(error))) throw error;
      }
    } else if (Date.now() > deadline) {
      throw new Error(
        `consumer groups ${busy.map(([group, members]) => `${group} (${members} members)`).join(', ')} ` +
          'are in use on this broker (a test suite or another pipeline?); the bench would share their ' +
          'partitions, since group ids cannot be prefixed. Run it when they are idle.',
      );
    } else {
      console.log(`waiting for consumer groups in use: ${busy.map(([group]) => group).join(', ')}`);
    }
    await sleep(5_000);
  }
}

/** Groups with more members than the bench's own processes: somebody else shares their partitions. */
async function strangersInGroups(admin: Admin): Promise<string[]> {
  const members = await membersOf(admin);
  return CONSUMER_GROUPS.filter(({ group, members: ours }) => (members.get(group) ?? 0) > ours).map(
    ({ group, members: ours }) => `${group}: ${members.get(group)} members, ${ours} ours`,
  );
}

async function startServices(storeUrl: string, brokers: readonly string[]): Promise<Service[]> {
  const common = { EVENT_STORE: storeUrl, LOG_LEVEL: 'warn', ANALYTICS_SQL_PORT: 'off' };
  const envOf = (name: ServiceName): NodeJS.ProcessEnv => ({
    ...common,
    // forecasting follows the store and needs no broker (README); an inherited KAFKA_BROKERS is cleared.
    KAFKA_BROKERS: name === 'forecasting' ? '' : brokers.join(','),
    RELAY: name === 'lead-capture' ? 'true' : 'false',
    ...(name === 'lead-capture' ? { RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE) } : {}),
  });
  const start = async (name: ServiceName) => {
    const child = await startPipelineProcess(envOf(name), {
      app: `apps/${name}/src/main.ts`,
      captureOutput: true,
      startupTimeoutMs: 180_000,
    });
    const service = { name, process: child };
    running.push(service);
    console.log(`${name} ready on ${child.baseUrl} (pid ${child.pid})`);
    return service;
  };
  // lead-capture first: it sets the fresh store's schema up; the others then start side by side.
  const first = await start('lead-capture');
  const settled = await Promise.allSettled(SERVICES.slice(1).map(start));
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return [first, ...settled.map((result) => (result as PromiseFulfilledResult<Service>).value)];
}

async function stopService(service: Service): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    service.process.stop(),
    new Promise<void>((done) => {
      timer = setTimeout(() => {
        console.warn(`${service.name} did not stop within ${STOP_TIMEOUT_MS} ms; killing it`);
        void service.process.kill('SIGKILL').then(done);
      }, STOP_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
}

/** Warnings and errors the services logged (pino JSON, level >= 40): counted, the first few shown. */
function printServiceLogs(services: readonly Service[]): void {
  for (const service of services) {
    const lines = service.process
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '');
    const notable = lines.filter((line) => {
      try {
        return ((JSON.parse(line) as { level?: number }).level ?? 0) >= 40;
      } catch {
        return true;
      }
    });
    if (notable.length === 0) continue;
    const distinct = [...new Set(notable.map((line) => summaryOf(line)))];
    console.log(`${service.name} logged ${notable.length} warnings or errors; first kinds:`);
    for (const line of distinct.slice(0, 5)) console.log(`  ${line.slice(0, 300)}`);
  }
}

function summaryOf(line: string): string {
  try {
    const entry = JSON.parse(line) as { level: number; msg?: string; error?: string; context?: string };
    return `[${entry.level}] ${entry.context ?? ''} ${entry.msg ?? ''} ${entry.error ?? ''}`.replace(
      /[0-9a-f]{8}-[0-9a-f-]{27}/g,
      '<id>',
    );
  } catch {
    return line;
  }
}

function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.allSettled(running.map(stopService));
    await Promise.allSettled(openClients.map((client) => client.end()));
    if (benchDatabase) {
      const { serverUrl, name } = benchDatabase;
      await dropDatabase(serverUrl, name).then(
        () => console.log(`dropped database ${name}`),
        (error: unknown) => console.error(`could not drop database ${name}: ${String(error)}`),
      );
    }
    await kafkaAdmin?.disconnect().catch(() => undefined);
  })();
  return cleaning;
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping the services`);
    void cleanUp().finally(() => process.exit(code));
  });
}

// ---------------------------------------------------------------------------------------------------
// The run

async function main(): Promise<void> {
  const startedAt = new Date();
  const [serverUrl, brokers] = await Promise.all([testPostgresUrl(), testKafkaBrokers()]);
  const admin = await connectAdmin(brokers);
  await freshConsumerGroups(admin, brokers);
  const database = `leadledger_e2e_${randomBytes(4).toString('hex')}`;
  const storeUrl = await createDatabase(serverUrl, database);
  console.log(`database ${database}; brokers ${brokers.join(',')}; starting the five services`);
  const services = await startServices(storeUrl, brokers);
  const strangers = await strangersInGroups(admin);
  if (strangers.length > 0)
    throw new Error(`consumer groups shared with other processes: ${strangers.join('; ')}`);

  const [pollClient, sampleClient] = [new Client(storeUrl), new Client(storeUrl)];
  openClients.push(pollClient, sampleClient);
  await Promise.all([pollClient.connect(), sampleClient.connect()]);
  const sampler = new ResourceSampler(services, sampleClient, database);
  sampler.start();
  const tracker = new VisibilityTracker(pollClient);
  tracker.start();
  const capture = services.find((service) => service.name === 'lead-capture') as Service;
  const api = new IntakeClient(capture.process.baseUrl, await ingestKeyOf(capture.process.baseUrl));
  const guard = () => {
    if (sampler.dead.size > 0) throw new Error(`${[...sampler.dead].join(', ')} died during the run`);
  };
  // Anybody else joining the services' groups would take partitions, and leads, from them.
  const sharedDuring = new Set<string>();
  let phaseLabel = 'start';
  const groupWatch = setInterval(
    () =>
      void strangersInGroups(admin).then(
        (found) => found.forEach((shared) => sharedDuring.add(`${phaseLabel}: ${shared}`)),
        () => undefined,
      ),
    5_000,
  );

  // How many events the store holds: what one lead's three intake events become across the services.
  const storeHead = async () =>
    Number(
      (
        await sampleClient.query<{ position: string }>(
          'SELECT coalesce(max(position), 0)::text AS position FROM eventstore.events',
        )
      ).rows[0].position,
    );
  const runPhase = async (
    label: string,
    steady: boolean,
    send: (stats: PhaseStats) => Promise<void>,
  ): Promise<PhaseStats> => {
    const before = sampler.snapshot();
    const waitsBefore = new Map(sampler.waits);
    const headBefore = await storeHead();
    const stats = newPhase(label, steady);
    phaseLabel = label;
    console.log(`\n-- ${label}`);
    const progress = setInterval(
      () =>
        console.log(
          `   ${((performance.now() - stats.startedAt) / 1_000).toFixed(0)} s: ${stats.startedLeads} leads started, ` +
            `${stats.ackTimes.length} events answered, ${stats.leads.filter((lead) => lead.visibleAt !== undefined).length} leads visible, ` +
            `${tracker.awaited} awaited`,
        ),
      10_000,
    );
    try {
      await send(stats);
      const atMaximum = sampler.snapshot();
      stats.cpu = cpuBetween(before, atMaximum);
      const samples = (atMaximum.at - before.at) / SAMPLE_MS;
      stats.waits = new Map(
        [...sampler.waits]
          .map(([key, count]): [string, number] => [key, (count - (waitsBefore.get(key) ?? 0)) / samples])
          .filter(([, average]) => average >= 0.05)
          .sort(([, a], [, b]) => b - a),
      );
      stats.notVisible = await tracker.drained(performance.now() + DRAIN_SECONDS * 1_000, guard);
      stats.drainedAt = performance.now();
      stats.storeEvents = (await storeHead()) - headBefore;
    } finally {
      clearInterval(progress);
    }
    for (const shared of await strangersInGroups(admin)) sharedDuring.add(`${label}: ${shared}`);
    printPhase(stats);
    return stats;
  };

  await runPhase('warm-up', true, (stats) => saturate(WARM_UP_LEADS, 8, api, tracker, stats, guard));
  const fixed: Array<{ rate: number; stats: PhaseStats }> = [];
  for (const rate of RATES) {
    const stats = await runPhase(
      `${rate.toLocaleString('en-US')} events/s offered for ${RATE_SECONDS} s`,
      false,
      (phase) => offerAt(rate, api, tracker, phase, guard),
    );
    fixed.push({ rate, stats });
  }
  const maximum = await runPhase(
    `maximum load: ${LEADS.toLocaleString('en-US')} leads, ${CONCURRENCY} in flight`,
    true,
    (stats) => saturate(LEADS, CONCURRENCY, api, tracker, stats, guard),
  );

  clearInterval(groupWatch);
  await tracker.stop();
  sampler.stop();
  sampler.snapshot();
  printServiceLogs(services);
  if (tracker.pollErrors > 0) console.log(`${tracker.pollErrors} visibility polls failed`);

  const rows: BenchRow[] = [
    ...maximumRows(maximum, [...sharedDuring]),
    ...fixed.flatMap(({ rate, stats }) => fixedRows(rate, stats)),
    ...SERVICES.map((name): BenchRow => ({
      subject: name,
      measurement: 'peak RSS',
      value: sampler.peakRssMiB.get(name) ?? Number.NaN,
      unit: 'MiB',
      note: 'VmRSS sampled every second over the whole run, ts-node loader included',
    })),
    ...[...SERVICES, CLIENT, POSTGRES, KAFKA, OTHERS, MACHINE, STEAL].map((subject): BenchRow => ({
      subject,
      measurement: 'CPU at maximum load',
      value: maximum.cpu?.get(subject) ?? Number.NaN,
      unit: '% of a core',
      ...(subject === OTHERS
        ? { note: 'busy machine CPU not in the rows above: PostgreSQL background processes, other users' }
        : {}),
    })),
  ];
  recordResults('end-to-end', startedAt, rows);
}

// ---------------------------------------------------------------------------------------------------
// Figures

/** Events per second between the 10th and 90th percentile of their times (all of them when few). */
function steadyRate(times: readonly number[], eventsEach = 1): number {
  const sorted = [...times].sort((a, b) => a - b);
  if (sorted.length < 2) return Number.NaN;
  const [from, to] =
    sorted.length < 20
      ? [0, sorted.length - 1]
      : [Math.floor(sorted.length * 0.1), Math.ceil(sorted.length * 0.9) - 1];
  // All in one poll (a handful of leads): no span to divide by.
  if (sorted[to] === sorted[from]) return Number.NaN;
  return ((to - from) * eventsEach) / ((sorted[to] - sorted[from]) / 1_000);
}

/** Events per second from `startedAt` to the last of `times`. */
function overPhase(startedAt: number, times: readonly number[], eventsEach = 1): number {
  if (times.length === 0) return 0;
  const last = times.reduce((latest, time) => Math.max(latest, time), startedAt);
  if (last === startedAt) return Number.NaN;
  return (times.length * eventsEach) / ((last - startedAt) / 1_000);
}

interface PhaseFigures {
  readonly accepted: number;
  readonly processed: number;
  readonly visible: number[];
  readonly assigned: number[];
  /** From sending the lead's capture to visible: what the integration waits for, answers included. */
  readonly sentToVisible: number[];
  readonly failedLeads: number;
  readonly requestP50: number;
  readonly requestP99: number;
}

/**
 * Rates: at the maximum load steady-state (steadyRate); under a fixed load over the whole phase, from its
 * start to the last answer (accepted) and to the last lead visible (through), so that a pipeline that
 * takes longer than the phase to take what was offered shows exactly that.
 */
function figuresOf(stats: PhaseStats, steady: boolean): PhaseFigures {
  const visible = stats.leads.filter((lead) => lead.visibleAt !== undefined && lead.lastAckAt !== undefined);
  const sortedDelays = (delays: number[]) => delays.sort((a, b) => a - b);
  const request = [...stats.requestMs].sort((a, b) => a - b);
  return {
    accepted: steady ? steadyRate(stats.ackTimes) : overPhase(stats.startedAt, stats.ackTimes),
    processed: steady
      ? steadyRate(
          visible.map((lead) => lead.visibleAt as number),
          EVENTS_PER_LEAD,
        )
      : overPhase(
          stats.startedAt,
          visible.map((lead) => lead.visibleAt as number),
          EVENTS_PER_LEAD,
        ),
    visible: sortedDelays(visible.map((lead) => (lead.visibleAt as number) - (lead.lastAckAt as number))),
    sentToVisible: sortedDelays(visible.map((lead) => (lead.visibleAt as number) - lead.startedAt)),
    assigned: sortedDelays(
      stats.leads
        .filter((lead) => lead.assignedAt !== undefined && lead.lastAckAt !== undefined)
        .map((lead) => (lead.assignedAt as number) - (lead.lastAckAt as number)),
    ),
    failedLeads: stats.leads.filter((lead) => lead.failed).length,
    requestP50: percentile(request, 50),
    requestP99: percentile(request, 99),
  };
}

function printPhase(stats: PhaseStats): void {
  const figures = figuresOf(stats, stats.steady);
  const sendingS = ((stats.sendingEndedAt ?? stats.startedAt) - stats.startedAt) / 1_000;
  const drainS = ((stats.drainedAt ?? stats.startedAt) - (stats.sendingEndedAt ?? stats.startedAt)) / 1_000;
  console.log(
    `   ${stats.startedLeads} leads started (${stats.skippedLeads} skipped at the in-flight cap) in ${sendingS.toFixed(1)} s, ` +
      `visible ${drainS.toFixed(1)} s later; ${figures.failedLeads} failed, ${stats.notVisible} never visible`,
  );
  console.log(
    `   accepted ${figures.accepted.toFixed(0)} events/s, through ${figures.processed.toFixed(0)} events/s; ` +
      `HTTP answer p50 ${figures.requestP50.toFixed(0)} ms, p99 ${figures.requestP99.toFixed(0)} ms; ` +
      `visible p50/p95/p99 ${[50, 95, 99].map((p) => percentile(figures.visible, p).toFixed(0)).join('/')} ms; ` +
      `assigned p50/p99 ${[50, 99].map((p) => percentile(figures.assigned, p).toFixed(0)).join('/')} ms; ` +
      `capture sent to visible p50/p99 ${[50, 99].map((p) => (percentile(figures.sentToVisible, p) / 1_000).toFixed(1)).join('/')} s`,
  );
  if (stats.storeEvents !== undefined && stats.drainedAt !== undefined)
    console.log(
      `   store: ${stats.storeEvents} events appended by all services (${(stats.storeEvents / Math.max(1, stats.leads.length)).toFixed(1)} per lead), ` +
        `${(stats.storeEvents / ((stats.drainedAt - stats.startedAt) / 1_000)).toFixed(0)} events/s from the phase's start until it drained`,
    );
  console.log(
    `   answers: ${[...stats.statuses].map(([status, count]) => `${status || 'no answer'} x${count}`).join(', ')}`,
  );
  if (stats.firstFailure) console.log(`   first failure: ${stats.firstFailure}`);
  if (stats.waits)
    console.log(
      `   PostgreSQL backends busy (average count): ${[...stats.waits].map(([key, average]) => `${key} ${average.toFixed(2)}`).join(', ') || 'none'}`,
    );
  if (stats.cpu)
    console.log(
      `   CPU (% of a core): ${[...stats.cpu].map(([subject, value]) => `${subject} ${value.toFixed(0)}`).join(', ')}`,
    );
}

function problemsOf(stats: PhaseStats, figures: PhaseFigures): string[] {
  const problems: string[] = [];
  if (figures.failedLeads > 0)
    problems.push(
      `${figures.failedLeads} leads failed (answers ${[...stats.statuses].map(([status, count]) => `${status || 'none'} x${count}`).join(', ')}; first: ${stats.firstFailure ?? '?'})`,
    );
  if (stats.notVisible > 0)
    problems.push(`${stats.notVisible} leads not visible ${DRAIN_SECONDS} s after the last answer`);
  return problems;
}

function latencyRows(prefix: string, figures: PhaseFigures, note?: string): BenchRow[] {
  const rows: BenchRow[] = [50, 95, 99].map((p) => ({
    subject: 'pipeline',
    measurement: `${prefix}: answer to visible, p${p}`,
    value: percentile(figures.visible, p),
    unit: 'ms',
    ...(p === 99 && note ? { note } : {}),
  }));
  rows.push(
    ...[50, 99].map((p): BenchRow => ({
      subject: 'pipeline',
      measurement: `${prefix}: answer to MQL assigned, p${p}`,
      value: percentile(figures.assigned, p),
      unit: 'ms',
    })),
    ...[50, 99].map((p): BenchRow => ({
      subject: 'pipeline',
      measurement: `${prefix}: capture sent to visible, p${p}`,
      value: percentile(figures.sentToVisible, p),
      unit: 'ms',
      ...(p === 50
        ? { note: "the lead's three requests and their answers included: what the integration waits for" }
        : {}),
    })),
  );
  return rows;
}

function maximumRows(stats: PhaseStats, sharedDuring: readonly string[]): BenchRow[] {
  const figures = figuresOf(stats, stats.steady);
  const problems = problemsOf(stats, figures);
  if (sharedDuring.length > 0)
    problems.push(`consumer groups shared with other processes: ${sharedDuring.join('; ')}`);
  const drainS = ((stats.drainedAt ?? 0) - (stats.sendingEndedAt ?? 0)) / 1_000;
  return [
    {
      subject: 'pipeline',
      measurement: 'sustained events/s through to the read models (maximum load)',
      value: figures.processed,
      unit: 'events/s',
      note: [
        `${stats.leads.length.toLocaleString('en-US')} leads x ${EVENTS_PER_LEAD} events (capture, 2 engagements), 1 in ${MQL_EVERY} an MQL assigned to a rep; visible in forecasting's analytics_leads scored (and assigned); 10th-90th percentile of visibility times`,
        ...problems,
      ].join('; '),
    },
    {
      subject: 'pipeline',
      measurement: 'sustained events/s accepted (maximum load)',
      value: figures.accepted,
      unit: 'events/s',
      note:
        `${CONCURRENCY} leads in flight, one ingest key, HTTP answer p50 ${figures.requestP50.toFixed(0)} ms / p99 ${figures.requestP99.toFixed(0)} ms; ` +
        `RATE_LIMIT_PER_MINUTE raised to ${RATE_LIMIT_PER_MINUTE.toLocaleString('en-US')} (the default 6,000 caps a key at 100 events/s); ` +
        `last lead visible ${drainS.toFixed(0)} s after the last answer`,
    },
    {
      subject: 'pipeline',
      measurement: 'store appends, all services (maximum load)',
      value:
        stats.storeEvents === undefined || stats.drainedAt === undefined
          ? Number.NaN
          : stats.storeEvents / ((stats.drainedAt - stats.startedAt) / 1_000),
      unit: 'events/s',
      note: `${((stats.storeEvents ?? Number.NaN) / Math.max(1, stats.leads.length)).toFixed(1)} stored events per lead (capture, identity claim, engagements, scores, MQL, rep pick, assignment...), from the phase's start until it drained`,
    },
    ...latencyRows(
      'maximum load',
      figures,
      `visibility polled every ${POLL_MS} ms: figures have that resolution`,
    ),
  ];
}

function fixedRows(rate: number, stats: PhaseStats): BenchRow[] {
  const figures = figuresOf(stats, stats.steady);
  const prefix = `${rate.toLocaleString('en-US')} events/s offered`;
  const started = (stats.startedLeads * EVENTS_PER_LEAD) / RATE_SECONDS;
  const reached = figures.processed >= rate * 0.95 && figures.accepted >= rate * 0.95;
  const problems = problemsOf(stats, figures);
  const notes: string[] = [];
  if (stats.skippedLeads > 0)
    notes.push(
      `offered load not reached: ${stats.skippedLeads.toLocaleString('en-US')} of ${(stats.startedLeads + stats.skippedLeads).toLocaleString('en-US')} leads due were not started, ${MAX_IN_FLIGHT.toLocaleString('en-US')} being in flight`,
    );
  return [
    {
      subject: 'pipeline',
      measurement: `${prefix}: started`,
      value: started,
      unit: 'events/s',
      note: [
        `open loop for ${RATE_SECONDS} s, leads started at ${(rate / EVENTS_PER_LEAD).toFixed(0)}/s`,
        ...notes,
      ].join('; '),
    },
    {
      subject: 'pipeline',
      measurement: `${prefix}: accepted`,
      value: figures.accepted,
      unit: 'events/s',
      note: `HTTP answer p50 ${figures.requestP50.toFixed(0)} ms / p99 ${figures.requestP99.toFixed(0)} ms${reached ? '' : `; only ${figures.accepted.toFixed(0)} of ${rate} events/s reached`}`,
    },
    {
      subject: 'pipeline',
      measurement: `${prefix}: through to the read models`,
      value: figures.processed,
      unit: 'events/s',
      ...(problems.length > 0 || !reached
        ? {
            note: [
              ...(reached ? [] : [`only ${figures.processed.toFixed(0)} of ${rate} events/s reached`]),
              ...problems,
            ].join('; '),
          }
        : {}),
    },
    ...latencyRows(prefix, figures),
  ];
}

// ---------------------------------------------------------------------------------------------------

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

main()
  .then(async () => {
    await cleanUp();
    process.exit(0);
  })
  .catch(async (error: unknown) => {
    console.error(error);
    await cleanUp();
    process.exit(1);
  });
