/**
 * The embedded pipeline as `npm start` runs it, end to end: every service in one child process on
 * PGlite on disk (its default, pointed at a fresh temporary directory instead of ./.data) with the
 * in-process bus. 10,000 leads (from the simulation's catalog: names, companies, size bands, country
 * names, UTM, external ids) are sent as an integration sends them: `POST /leads:batch` of 1,000, one
 * batch after another, with an ingest key. Measured: how fast the leads are accepted, how long until
 * every one of them is scored and its score is in the read models, and the process's peak RSS.
 *
 *   npm run bench -- embedded-pipeline
 *   BENCH_EMBEDDED_LEADS=2000 npm run bench -- embedded-pipeline   fewer (or more) leads
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_HEADERS, parseExposition, sampleValue, type Family } from '@leadledger/testing';
import { planSimulation } from '../simulation/plan';
import { ingestKeyOf, rssMiB, startChildPipeline } from './child-pipeline';
import { recordResults, type BenchRow } from './results';

const LEADS = Number(process.env.BENCH_EMBEDDED_LEADS ?? 10_000);
const BATCH_SIZE = 1_000;
/** The read models that carry a lead's score: GET /leads/{id} and GET /leads/{id}/score. */
const SCORE_PROJECTIONS = ['lead-capture.lead-views', 'marketing-scoring.score-views'];
const RSS_EVERY_MS = 500;
const LEAD_POLL_MS = 250;
const METRICS_POLL_MS = 1_000;
/** Well past what 10,000 leads take on two cores; a pipeline that never finishes fails the bench. */
const GIVE_UP_AFTER_MS = 60 * 60_000;

interface BatchAnswer {
  readonly results: ReadonlyArray<{
    readonly status: string;
    readonly leadId?: string;
    readonly outcome?: string;
  }>;
}

async function main(): Promise<void> {
  if (!Number.isInteger(LEADS) || LEADS < 1) throw new Error('BENCH_EMBEDDED_LEADS must be a whole number');
  const startedAt = new Date();
  const dataDir = mkdtempSync(join(tmpdir(), 'leadledger-embedded-'));
  // What `npm start` runs with nothing configured: PGlite on disk, read models beside the events,
  // no Kafka. The bench's own environment (DATABASE_URL, KAFKA_BROKERS from infra.sh) must not leak in.
  const pipeline = await startChildPipeline({
    EVENT_STORE: `pglite://${dataDir}`,
    KAFKA_BROKERS: undefined,
    READ_MODELS_URL: undefined,
    READ_SCHEMA: undefined,
  });
  let peakRss = rssMiB(pipeline.pid);
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssMiB(pipeline.pid));
  }, RSS_EVERY_MS);
  try {
    const baseUrl = pipeline.baseUrl;
    const ingest = {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${await ingestKeyOf(baseUrl)}`,
    };
    // Planned before the clock starts: the same leads every run (the plan is seeded).
    const { leads } = planSimulation({
      leads: LEADS,
      months: 6,
      seed: 20_261_123,
      now: new Date(Date.now() - 60 * 60_000),
    });
    const submissions = leads.map((lead) => lead.submission);

    const leadIds = new Set<string>();
    let lastLeadId: string | undefined;
    let notAccepted = 0;
    const firstRequestAt = performance.now();
    for (let from = 0; from < submissions.length; from += BATCH_SIZE) {
      const batch = submissions.slice(from, from + BATCH_SIZE);
      const response = await fetch(`${baseUrl}/leads:batch`, {
        method: 'POST',
        headers: ingest,
        body: JSON.stringify({ leads: batch }),
      });
      if (response.status !== 200) {
        throw new Error(`POST /leads:batch answered ${response.status}: ${await response.text()}`);
      }
      for (const result of ((await response.json()) as BatchAnswer).results) {
        if (result.status !== 'accepted' || !result.leadId) notAccepted += 1;
        else {
          leadIds.add(result.leadId);
          lastLeadId = result.leadId;
        }
      }
      console.log(
        `batch ${from / BATCH_SIZE + 1}: ${from + batch.length} leads sent, ` +
          `${((performance.now() - firstRequestAt) / 1000).toFixed(1)} s`,
      );
    }
    const acceptedMs = performance.now() - firstRequestAt;
    if (!lastLeadId) throw new Error('no lead was accepted');
    if (notAccepted > 0) console.log(`${notAccepted} leads were not accepted (rejected or failed)`);

    // "Every lead is scored" is read from the pipeline itself, in two steps, so that polling does not
    // slow what it waits for (a /metrics scrape counts the lag of every projection, on PGlite's one
    // thread). First, the last lead accepted until both read models that carry a score show its
    // score: GET /leads/{id} (lead views) and GET /leads/{id}/score (score views). The scoring
    // consumer reads the store in order from its checkpoint and rescores each lead once, so the last
    // lead's LeadScored is the last one written; each read model applies events in order, so once
    // both hold it they hold every earlier lead's score too. Then /metrics rules out a lead skipped
    // on the way (dead-lettered): `leadledger_leads_scored_total` (LeadScored events the consumer
    // wrote, in this process) must have reached the number of distinct leads accepted. The lag gauges
    // (`leadledger_projection_lag_events`) are not waited on: sales-acceptance keeps appending to
    // MQLs' streams meanwhile, so they say "caught up with everything", not "every score is in"; the
    // row's note shows what they read at that moment. The time is when all this was first observed:
    // up to one poll interval (LEAD_POLL_MS, then METRICS_POLL_MS) late.
    const deadline = Date.now() + GIVE_UP_AFTER_MS;
    while (!(await isScored(baseUrl, lastLeadId))) await pause(LEAD_POLL_MS, deadline);
    let scrape = await scoringProgress(baseUrl);
    while (scrape.scored < leadIds.size) {
      await pause(METRICS_POLL_MS, deadline);
      scrape = await scoringProgress(baseUrl);
    }
    const scoredMs = performance.now() - firstRequestAt;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, rssMiB(pipeline.pid));

    const accepted = leadIds.size;
    const rows: BenchRow[] = [
      {
        subject: 'pipeline',
        measurement: `accepted leads/s, ${LEADS.toLocaleString('en-US')} leads in batches of ${BATCH_SIZE.toLocaleString('en-US')}`,
        value: accepted / (acceptedMs / 1000),
        unit: 'leads/s',
        note: 'POST /leads:batch, sequential; each answers once the lead views include its last lead',
      },
      {
        subject: 'pipeline',
        measurement: 'time to accept all',
        value: acceptedMs / 1000,
        unit: 's',
        note: notAccepted > 0 ? `${notAccepted} not accepted` : undefined,
      },
      {
        subject: 'pipeline',
        measurement: 'time until all scored, from the first request',
        value: scoredMs / 1000,
        unit: 's',
        note:
          `${scrape.scored} LeadScored written, the last in both views; lag then: ` +
          scrape.lags.map(([projection, lag]) => `${projection} ${lag}`).join(', '),
      },
      {
        subject: 'pipeline',
        measurement: 'scored leads/s, from the first request',
        value: accepted / (scoredMs / 1000),
        unit: 'leads/s',
      },
      {
        subject: 'pipeline',
        measurement: 'peak RSS',
        value: peakRss,
        unit: 'MiB',
        note: `sampled every ${RSS_EVERY_MS} ms; ts-node loader and PGlite's WebAssembly memory included`,
      },
    ];
    recordResults('embedded-pipeline', startedAt, rows);
  } finally {
    clearInterval(sampler);
    await pipeline.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Whether the lead's score is in the lead views (GET /leads/{id}) and the score views. */
async function isScored(baseUrl: string, leadId: string): Promise<boolean> {
  const lead = await getJson<{ score?: unknown }>(`${baseUrl}/leads/${leadId}`);
  if (lead?.score === undefined) return false;
  return (await getJson(`${baseUrl}/leads/${leadId}/score`)) !== undefined;
}

/** The answer's body, or undefined for a 404 (not there, or not scored, yet). */
async function getJson<Body>(url: string): Promise<Body | undefined> {
  const response = await fetch(url, { headers: ADMIN_HEADERS });
  if (response.status === 404) {
    await response.text();
    return undefined;
  }
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return (await response.json()) as Body;
}

async function scoringProgress(
  baseUrl: string,
): Promise<{ scored: number; lags: ReadonlyArray<readonly [string, number]> }> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  const families = parseExposition(await response.text());
  const lags = SCORE_PROJECTIONS.map((projection) => {
    const lag = sampleValue(families, 'leadledger_projection_lag_events', { projection });
    if (lag === undefined) throw new Error(`/metrics has no lag of projection ${projection}`);
    return [projection, lag] as const;
  });
  return { scored: total(families.get('leadledger_leads_scored_total')), lags };
}

function total(family: Family | undefined): number {
  if (!family) throw new Error('/metrics has no leadledger_leads_scored_total');
  return family.samples.reduce((sum, sample) => sum + sample.value, 0);
}

async function pause(ms: number, deadline: number): Promise<void> {
  if (Date.now() > deadline) throw new Error('the pipeline did not finish scoring in time');
  await new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
