/**
 * Feeds a running leadledger (the pipeline, or the five services behind one URL) a realistic synthetic
 * history over HTTP, then prints the funnel and this quarter's forecast:
 *
 *   npm run simulate -- [--leads 3000] [--months 6] [--seed 42] [--concurrency 8]
 *
 * 1. leads from mixed sources over the last M months (POST /leads:batch), a few people twice;
 * 2. their engagement after capture, more for good-fit leads (POST /leads/{id}/engagements), so the
 *    scoring model makes MQLs, rules some leads out, and lets old interest decay;
 * 3. a CRM's past deals (POST /imports/opportunities), for cycle times, win rates and stage probabilities;
 * 4. sales working the MQLs assigned to them (GET /sales/queue): accept, reject, qualify, convert;
 * 5. the opportunities (GET /opportunities): amounts, stage moves, slipped close dates, won and lost.
 *
 * LEADLEDGER_URL (default http://localhost:3000) names the service; LEADLEDGER_API_KEY an admin key
 * (LEADLEDGER_KEY too, as `npm run import` reads it), else .data/admin-key. The same seed plans the
 * same people, activities, deals and decisions, timed relative to the present; a rerun against the
 * same data finds them there already (same emails, engagement ids, CRM ids) and changes next to nothing.
 *
 * Scoring, assignment and SLA timers run in the service's present: MQLs, assignments and sales answers
 * happen now, whatever business time their leads carry. Handoff SLA breaches come by themselves, from
 * the SLA tick (SLA_TICK_MS), once a lead left unanswered outlives its team's business hours.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { ImportCounts } from '@leadledger/opportunity';
import { forecastTable, funnelTable, type ForecastAnswer, type FunnelAnswer } from './simulation/tables';
import { LeadledgerClient, forEachConcurrently, settingsFromEnvironment } from './simulation/http-client';
import {
  addDays,
  isoDate,
  planSimulation,
  type LeadSubmission,
  type PlannedEngagement,
  type PlannedLead,
  type SimulationPlan,
} from './simulation/plan';
import { Progress } from './simulation/progress';

const USAGE = 'usage: npm run simulate -- [--leads N] [--months M] [--seed S] [--concurrency C]';
const BATCH_SIZE = 200;
const QUEUE_LIMIT = 500;
const PAGE_LIMIT = 500;
const SETTLE_POLL_MS = 1_500;
const SETTLE_QUIET_POLLS = 3;
const SETTLE_MAX_MS = 300_000;

interface SalesLeadView {
  readonly leadId: string;
  readonly stage: string;
  readonly owner?: string;
  readonly team?: string;
  readonly sla?: { readonly dueAt?: string; readonly status: string };
  readonly qualification: {
    readonly framework: string;
    readonly minimumMet: number;
    readonly satisfied: boolean;
    readonly criteria: readonly {
      readonly criterion: string;
      readonly carries?: 'amount' | 'date';
      readonly value: string;
    }[];
  };
  readonly opportunityId?: string;
}

interface OpportunityView {
  readonly opportunityId: string;
  readonly leadId?: string;
  readonly pipeline: string;
  readonly stage: string;
  readonly status: 'open' | 'won' | 'lost';
  readonly amount?: { readonly value: string; readonly currency: string };
  readonly expectedCloseDate: string;
}

interface PipelineView {
  readonly id: string;
  readonly stages: readonly {
    readonly id: string;
    readonly outcome?: string;
    readonly exitCriteria: readonly { readonly requires?: string; readonly evidence?: string }[];
  }[];
}

/** What the run did, counted as it goes. */
class Tally {
  captured = 0;
  updated = 0;
  unchanged = 0;
  engagements = 0;
  duplicateEngagements = 0;
  imported: ImportCounts = { lines: 0, imported: 0, unchanged: 0, rejected: 0, leadsNotFound: 0 };
  importedWon = 0;
  importedLost = 0;
  /** Leads of this run found in the queues: fresh MQLs (assigned), and ones an earlier run accepted. */
  queued = 0;
  workedBefore = 0;
  foreign = 0;
  accepted = 0;
  rejected = 0;
  rejectedAfterDiscovery = 0;
  unanswered = 0;
  /** The earliest handoff SLA due time of the leads left unanswered. */
  firstSlaDue?: string;
  partlyQualified = 0;
  qualified = 0;
  converted = 0;
  opportunities = 0;
  won = 0;
  lost = 0;
  slipped = 0;
  movedBack = 0;
  /** Planned wins the pipeline's exit criteria do not let close: stage -> missing evidence -> count. */
  blockedWins = new Map<string, number>();
  /** Where this run's leads stand in the lifecycle at the end (GET /leads/{id}), by stage. */
  stages = new Map<string, number>();
  /** Good-fit leads whose engagement decayed below the MQL threshold since their last activity. */
  wentCold = 0;
  retries = 0;
  errors = 0;
}

async function main(): Promise<void> {
  const started = Date.now();
  const options = optionsOf();
  const tally = new Tally();
  const progress = new Progress();
  const client = new LeadledgerClient({
    ...settingsFromEnvironment(),
    onRetry: () => {
      tally.retries += 1;
    },
  });
  /** Every failure is printed with the status and body the service answered, and counted. */
  const fail = (what: string, error: unknown) => {
    tally.errors += 1;
    progress.log(`ERROR ${what}: ${error instanceof Error ? error.message : String(error)}`);
  };

  const reps = (await client.get<{ rep: string; team: string }[]>('/sales/reps')).body;
  const pipelines = (await client.get<PipelineView[]>('/pipelines')).body;
  const plan = planSimulation({ ...options, now: new Date() });
  console.log(
    `simulating ${plan.leads.length} leads (${plan.submissions.length} submissions, ` +
      `${plan.leads.reduce((sum, lead) => sum + lead.engagements.length, 0)} engagements) over ${options.months} months, ` +
      `${plan.history.lines.length} past CRM deals; seed ${options.seed}, ${options.concurrency} at once, against ${client.baseUrl}`,
  );

  try {
    const leadIds = await submitLeads(client, plan, options.concurrency, progress, tally, fail);
    await recordEngagements(client, plan, leadIds, options.concurrency, progress, tally, fail);
    await importHistory(client, plan, progress, tally, fail);
    await settle(client, progress, 'scoring', fail);
    const byLeadId = new Map([...leadIds].map(([index, leadId]) => [leadId, plan.leads[index]]));
    const worked = await workQueues(client, reps, byLeadId, options.concurrency, progress, tally, fail);
    await settle(client, progress, 'conversion', fail);
    await workOpportunities(client, pipelines, byLeadId, worked, options.concurrency, progress, tally, fail);
    await settle(client, progress, 'read models', fail);
    await surveyLeads(client, leadIds, options.concurrency, progress, tally, fail);
  } finally {
    progress.stop();
  }

  const funnel = await client.get<FunnelAnswer>('/funnel?groupBy=source');
  const forecast = await client.get<ForecastAnswer>(`/forecast?period=${plan.quarter}&groupBy=stage`);
  printReport(plan, tally, funnel.body, forecast.body);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `\nsummary: ${tally.captured} leads, ${tally.queued} MQLs, ${tally.accepted} SQLs, ` +
      `${tally.opportunities} opportunities (+${tally.imported.imported} imported), ` +
      `${tally.won} won (+${tally.importedWon} imported), ${tally.lost} lost (+${tally.importedLost} imported), ` +
      `${tally.errors} errors, ${tally.retries} retries, ${seconds} s`,
  );
  if (tally.errors > 0) process.exitCode = 1;
}

function optionsOf() {
  const { values } = parseArgs({
    options: {
      leads: { type: 'string', default: '3000' },
      months: { type: 'string', default: '6' },
      seed: { type: 'string', default: '42' },
      concurrency: { type: 'string', default: '8' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const whole = (name: string, text: string, min: number, max: number) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max)
      throw new Error(`--${name} must be a whole number from ${min} to ${max}\n${USAGE}`);
    return value;
  };
  return {
    leads: whole('leads', values.leads, 1, 100_000),
    months: whole('months', values.months, 1, 36),
    seed: whole('seed', values.seed, 0, 2 ** 32 - 1),
    concurrency: whole('concurrency', values.concurrency, 1, 64),
  };
}

type Fail = (what: string, error: unknown) => void;

// ---------------------------------------------------------------------------------------------------
// 1. Leads

type BatchResult =
  | { index: number; status: 'accepted'; leadId: string; outcome: 'captured' | 'updated' | 'unchanged' }
  | { index: number; status: 'rejected'; issues: unknown }
  | { index: number; status: 'failed'; error: string };

/** Each lead's first submission in batches, then the re-submissions (after the people they repeat exist). */
async function submitLeads(
  client: LeadledgerClient,
  plan: SimulationPlan,
  concurrency: number,
  progress: Progress,
  tally: Tally,
  fail: Fail,
): Promise<Map<number, string>> {
  const firsts = new Set<number>();
  const first: { lead: number; body: LeadSubmission }[] = [];
  const again: { lead: number; body: LeadSubmission }[] = [];
  for (const submission of plan.submissions) {
    if (firsts.has(submission.lead)) again.push(submission);
    else {
      firsts.add(submission.lead);
      first.push(submission);
    }
  }
  const leadIds = new Map<number, string>();
  const bar = progress.phase('leads', plan.submissions.length);
  const send = async (batch: readonly { lead: number; body: LeadSubmission }[]) => {
    const body = { leads: batch.map((each) => each.body) };
    // The key makes a retried batch answer as the first try did, item by item.
    const key = `simulate-${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 40)}`;
    try {
      const { body: answer } = await client.post<{ results: BatchResult[] }>('/leads:batch', body, {
        'idempotency-key': key,
      });
      for (const result of answer.results) {
        const { lead } = batch[result.index];
        if (result.status === 'accepted') {
          if (!leadIds.has(lead)) leadIds.set(lead, result.leadId);
          tally[result.outcome] += 1;
        } else {
          fail(
            `lead ${lead} (${batch[result.index].body.contact.email}) was ${result.status}`,
            JSON.stringify(result.status === 'rejected' ? result.issues : result.error),
          );
        }
      }
    } catch (error) {
      fail(`batch of ${batch.length} leads`, error);
    }
    bar.increment(
      batch.length,
      `${tally.captured} captured, ${tally.updated} updated, ${tally.unchanged} unchanged`,
    );
  };
  await forEachConcurrently(chunks(first, BATCH_SIZE), concurrency, send);
  await forEachConcurrently(chunks(again, BATCH_SIZE), concurrency, send);
  bar.stop();
  return leadIds;
}

// ---------------------------------------------------------------------------------------------------
// 2. Engagement

async function recordEngagements(
  client: LeadledgerClient,
  plan: SimulationPlan,
  leadIds: ReadonlyMap<number, string>,
  concurrency: number,
  progress: Progress,
  tally: Tally,
  fail: Fail,
): Promise<void> {
  const work: { leadId: string; engagement: PlannedEngagement }[] = [];
  for (const lead of plan.leads) {
    const leadId = leadIds.get(lead.index);
    if (leadId) for (const engagement of lead.engagements) work.push({ leadId, engagement });
  }
  // In time order, as a tracking system would deliver them.
  work.sort((a, b) => a.engagement.occurredAt.localeCompare(b.engagement.occurredAt));
  const bar = progress.phase('engagements', work.length);
  await forEachConcurrently(work, concurrency, async ({ leadId, engagement }) => {
    try {
      const { body } = await client.post<{ outcome: string }>(`/leads/${leadId}/engagements`, engagement);
      if (body.outcome === 'duplicate') tally.duplicateEngagements += 1;
      else tally.engagements += 1;
    } catch (error) {
      fail(`engagement ${engagement.engagementId}`, error);
    }
    bar.increment(1, `${engagement.occurredAt.slice(0, 10)}`);
  });
  bar.stop(`${tally.engagements} recorded, ${tally.duplicateEngagements} known already`);
}

// ---------------------------------------------------------------------------------------------------
// 3. CRM history

async function importHistory(
  client: LeadledgerClient,
  plan: SimulationPlan,
  progress: Progress,
  tally: Tally,
  fail: Fail,
): Promise<void> {
  const { lines, stageMap } = plan.history;
  const bar = progress.phase('crm history', lines.length);
  try {
    const ndjson = [JSON.stringify({ stageMap }), ...lines.map((line) => JSON.stringify(line))];
    const { body } = await client.postNdjson('/imports/opportunities', ndjson);
    for (const text of body.split('\n')) {
      if (text.trim() === '') continue;
      const report = JSON.parse(text) as {
        line?: number;
        status?: string;
        issues?: unknown;
        progress?: ImportCounts;
        done?: ImportCounts;
        error?: string;
      };
      if (report.status === 'rejected') {
        fail(`CRM history line ${report.line}`, `rejected: ${JSON.stringify(report.issues)}`);
      } else if (report.error) {
        fail('CRM history import', report.error);
      } else if (report.done) {
        tally.imported = report.done;
      }
    }
  } catch (error) {
    fail('CRM history import', error);
  }
  // Which lines a partial import took is not told: the outcomes are the plan's when it took them all.
  if (tally.imported.imported === lines.length) {
    tally.importedWon = lines.filter((line) => line.status === 'won').length;
    tally.importedLost = lines.filter((line) => line.status === 'lost').length;
  }
  const { imported, unchanged, rejected, leadsNotFound } = tally.imported;
  bar.update(tally.imported.lines);
  bar.stop(
    `${imported} imported, ${unchanged} there already, ${rejected} rejected, ${leadsNotFound} leads not found`,
  );
}

// ---------------------------------------------------------------------------------------------------
// Waiting for the pipeline's consumers and read models

/**
 * Scoring, assignment and opening opportunities happen in the pipeline's consumers, after the requests
 * that caused them were answered. Waits until the service is quiet: its event counters (GET /metrics)
 * and the funnel stay the same for a few polls in a row.
 */
async function settle(client: LeadledgerClient, progress: Progress, what: string, fail: Fail): Promise<void> {
  const bar = progress.phase(`wait: ${what}`, SETTLE_QUIET_POLLS);
  const started = Date.now();
  let last = '';
  let quiet = 0;
  while (quiet < SETTLE_QUIET_POLLS) {
    await sleep(SETTLE_POLL_MS);
    let fingerprint: string;
    try {
      fingerprint = await activityFingerprint(client);
    } catch (error) {
      fail(`waiting for ${what}`, error);
      break;
    }
    quiet = fingerprint === last ? quiet + 1 : 0;
    last = fingerprint;
    bar.update(quiet, `${Math.round((Date.now() - started) / 1000)} s`);
    if (Date.now() - started > SETTLE_MAX_MS) {
      progress.log(
        `note: the pipeline was still busy with ${what} after ${SETTLE_MAX_MS / 1000} s; going on`,
      );
      break;
    }
  }
  bar.stop();
}

async function activityFingerprint(client: LeadledgerClient): Promise<string> {
  const funnel = (await client.get<FunnelAnswer>('/funnel')).body.total.counts;
  let counters = '';
  try {
    const metrics = await fetch(`${client.baseUrl}/metrics`, { signal: AbortSignal.timeout(30_000) });
    if (metrics.ok) counters = counterSums(await metrics.text());
  } catch {
    // /metrics is optional (a deployment may not expose it): the funnel alone then tells.
  }
  return `${JSON.stringify(funnel)} ${counters}`;
}

/** The sums of the event and projection counters: they stand still once the pipeline is done. */
function counterSums(metrics: string): string {
  const sums = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    const match =
      /^(leadledger_(?:events_appended_total|events_consumed_total|projection_position))\{[^}]*\} (\S+)/.exec(
        line,
      );
    if (match) sums.set(match[1], (sums.get(match[1]) ?? 0) + Number(match[2]));
  }
  return [...sums].map(([name, sum]) => `${name}=${sum}`).join(' ');
}

// ---------------------------------------------------------------------------------------------------
// 4. Sales

const EVIDENCE: Readonly<Record<string, string>> = {
  budget: 'Budget confirmed by the buyer for this fiscal year.',
  authority: 'The VP Sales signs; the CFO joins the final call.',
  need: 'Forecast is built in spreadsheets and missed by 20% last quarter.',
  timeline: 'Wants it live before the next planning cycle.',
  pain: 'Reps lose a day a week to pipeline reporting.',
  interest: 'Asked for a trial workspace after the demo.',
  fit: 'Runs Salesforce with a 12-person sales team: our sweet spot.',
};

/**
 * The opportunities this run's conversions open, by id, with the criteria sales found met (opportunity
 * exit criteria may ask for them). By id, not lead: an imported CRM deal may name the same lead.
 */
type Worked = Map<string, { readonly leadId: string; readonly criteriaMet: ReadonlySet<string> }>;

/**
 * Every rep's queue, as an admin sees it (by owner: one team's queue may hold more than a page), until
 * a pass finds no lead of this run left to work.
 */
async function workQueues(
  client: LeadledgerClient,
  reps: readonly { rep: string }[],
  byLeadId: ReadonlyMap<string, PlannedLead>,
  concurrency: number,
  progress: Progress,
  tally: Tally,
  fail: Fail,
): Promise<Worked> {
  const handled = new Set<string>();
  const worked: Worked = new Map();
  const bar = progress.phase('sales', 0);
  for (let pass = 0; pass < 5; pass += 1) {
    const fresh: SalesLeadView[] = [];
    for (const { rep } of reps) {
      try {
        const { body } = await client.get<{ leads: SalesLeadView[] }>(
          `/sales/queue?owner=${encodeURIComponent(rep)}&limit=${QUEUE_LIMIT}`,
        );
        for (const lead of body.leads) {
          if (handled.has(lead.leadId)) continue;
          handled.add(lead.leadId);
          if (byLeadId.has(lead.leadId)) fresh.push(lead);
          else tally.foreign += 1;
        }
      } catch (error) {
        fail(`queue of ${rep}`, error);
      }
    }
    if (fresh.length === 0) break;
    const assigned = fresh.filter(({ stage }) => stage === 'assigned').length;
    tally.queued += assigned;
    tally.workedBefore += fresh.length - assigned;
    bar.setTotal(tally.queued + tally.workedBefore);
    await forEachConcurrently(fresh, concurrency, async (view) => {
      try {
        await workLead(client, view, byLeadId.get(view.leadId) as PlannedLead, tally, worked);
      } catch (error) {
        fail(`sales work on lead ${view.leadId}`, error);
      }
      bar.increment(
        1,
        `${tally.accepted} accepted, ${tally.rejected + tally.rejectedAfterDiscovery} rejected, ` +
          `${tally.unanswered} waiting, ${tally.converted} converted`,
      );
    });
  }
  bar.stop();
  return worked;
}

async function workLead(
  client: LeadledgerClient,
  view: SalesLeadView,
  lead: PlannedLead,
  tally: Tally,
  worked: Worked,
): Promise<void> {
  const { sales } = lead;
  const path = `/leads/${view.leadId}`;
  if (view.stage === 'assigned') {
    if (sales.answer === 'unanswered') {
      tally.unanswered += 1;
      const due = view.sla?.dueAt;
      if (due && (!tally.firstSlaDue || due < tally.firstSlaDue)) tally.firstSlaDue = due;
      return;
    }
    if (sales.answer === 'reject' && sales.rejection) {
      await client.post(`${path}/reject`, sales.rejection);
      tally.rejected += 1;
      return;
    }
    await client.post(`${path}/accept`);
    tally.accepted += 1;
  } else if (view.stage !== 'sql') {
    return;
  }

  const { framework, criteria, minimumMet } = view.qualification;
  const criterionRequest = (criterion: (typeof criteria)[number], value: 'met' | 'not_met') => ({
    framework,
    criterion: criterion.criterion,
    value,
    ...(value === 'met'
      ? { evidence: EVIDENCE[criterion.criterion] ?? `Confirmed on the discovery call.` }
      : {}),
    ...(value === 'met' && criterion.carries === 'amount' ? { amount: sales.budget } : {}),
    ...(value === 'met' && criterion.carries === 'date' ? { date: sales.timeline } : {}),
  });
  const met = new Set<string>();
  const record = async (criterion: (typeof criteria)[number], value: 'met' | 'not_met') => {
    await client.post(`${path}/qualification`, criterionRequest(criterion, value));
    if (value === 'met') met.add(criterion.criterion);
  };

  switch (sales.qualification) {
    case 'pending':
      return;
    case 'partial':
      for (const criterion of criteria.slice(0, Math.max(1, Math.min(2, minimumMet - 1))))
        await record(criterion, 'met');
      tally.partlyQualified += 1;
      return;
    case 'reject_after_discovery': {
      const need = criteria.find(({ criterion }) => criterion === 'need') ?? criteria[0];
      await record(need, 'not_met');
      if (sales.lateRejection) await client.post(`${path}/reject`, sales.lateRejection);
      tally.rejectedAfterDiscovery += 1;
      return;
    }
    case 'convert': {
      // A buyer whose decision maker is not known yet: authority stays unknown.
      const toMeet = criteria.filter(({ criterion }) => criterion !== 'authority' || sales.authorityMet);
      for (const criterion of toMeet) await record(criterion, 'met');
      if (met.size < minimumMet) return;
      tally.qualified += 1;
      const { body: converted } = await client.post<SalesLeadView>(`${path}/convert`);
      tally.converted += 1;
      if (converted.opportunityId)
        worked.set(converted.opportunityId, { leadId: view.leadId, criteriaMet: met });
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// 5. Opportunities

const BACK_NOTE = 'Procurement asked for a new quote after a budget cut; back to proposal.';

async function workOpportunities(
  client: LeadledgerClient,
  pipelines: readonly PipelineView[],
  byLeadId: ReadonlyMap<string, PlannedLead>,
  worked: Worked,
  concurrency: number,
  progress: Progress,
  tally: Tally,
  fail: Fail,
): Promise<void> {
  const opportunities: OpportunityView[] = [];
  try {
    for (let after: string | undefined; ;) {
      const { body } = await client.get<{ opportunities: OpportunityView[]; next?: string }>(
        `/opportunities?status=open&limit=${PAGE_LIMIT}${after ? `&after=${after}` : ''}`,
      );
      opportunities.push(...body.opportunities.filter(({ opportunityId }) => worked.has(opportunityId)));
      if (!body.next) break;
      after = body.next;
    }
  } catch (error) {
    fail('listing opportunities', error);
  }
  tally.opportunities = opportunities.length;
  if (opportunities.length < worked.size) {
    progress.log(`note: ${worked.size} leads converted, ${opportunities.length} opportunities opened so far`);
  }
  const leadOf = (opportunityId: string) =>
    byLeadId.get(worked.get(opportunityId)?.leadId ?? '') as PlannedLead;
  opportunities.sort((a, b) => leadOf(a.opportunityId).index - leadOf(b.opportunityId).index);
  // One deal that got to negotiation goes back to proposal with a note.
  const goesBack = opportunities.find(({ opportunityId }) => {
    const { deal } = leadOf(opportunityId);
    return deal.outcome === 'open' && deal.stage === 'negotiation';
  })?.opportunityId;

  const bar = progress.phase('opportunities', opportunities.length);
  await forEachConcurrently(opportunities, concurrency, async (opportunity) => {
    const lead = leadOf(opportunity.opportunityId);
    const pipeline = pipelines.find(({ id }) => id === opportunity.pipeline) ?? pipelines[0];
    try {
      await workOpportunity(client, opportunity.opportunityId, lead, pipeline, worked, goesBack, tally);
    } catch (error) {
      fail(`work on opportunity ${opportunity.opportunityId}`, error);
    }
    bar.increment(1, `${tally.won} won, ${tally.lost} lost, ${tally.slipped} slipped`);
  });
  bar.stop();
}

async function workOpportunity(
  client: LeadledgerClient,
  opportunityId: string,
  lead: PlannedLead,
  pipeline: PipelineView,
  worked: Worked,
  goesBack: string | undefined,
  tally: Tally,
): Promise<void> {
  const path = `/opportunities/${opportunityId}`;
  const read = await client.get<OpportunityView>(path);
  let opportunity = read.body;
  let etag = read.etag;
  /** Each write answers with the new ETag: the next write's If-Match. */
  const write = async (action: string, body: unknown) => {
    if (!etag) throw new Error(`${path} answered without an ETag: no If-Match to send`);
    const answer = await client.post<OpportunityView>(`${path}/${action}`, body, { 'if-match': etag });
    opportunity = answer.body;
    etag = answer.etag;
  };
  const { deal, sales } = lead;
  const currency = opportunity.amount?.currency ?? sales.budget.currency;

  // The amount: the budget when qualification named none, then what discovery found.
  if (!opportunity.amount) await write('amount', { amount: sales.budget.value, currency });
  const current = Number(opportunity.amount?.value ?? sales.budget.value);
  if (deal.amountFactor !== 1) {
    await write('amount', { amount: wholeAmount(current * deal.amountFactor), currency });
  }

  const openStages = pipeline.stages.filter(({ outcome }) => !outcome).map(({ id }) => id);
  const target = deal.outcome === 'won' ? openStages[openStages.length - 1] : deal.stage;
  for (const stage of openStages.slice(
    openStages.indexOf(opportunity.stage) + 1,
    openStages.indexOf(target) + 1,
  )) {
    await write('stage', { to: stage });
  }

  // Deals slip, the ones that close in the end too.
  if (deal.pushDays > 0) {
    await write('close-date', { expectedCloseDate: addDays(opportunity.expectedCloseDate, deal.pushDays) });
    tally.slipped += 1;
  }
  const today = isoDate(Date.now());
  if (deal.outcome === 'won') {
    // Closing won leaves every open stage behind: their evidence criteria must be among the lead's met ones.
    const met = worked.get(opportunityId)?.criteriaMet ?? new Set<string>();
    const missing = pipeline.stages.flatMap(({ id, exitCriteria }) =>
      exitCriteria.flatMap(({ evidence }) =>
        evidence && !met.has(evidence) ? [`${id} needs ${evidence}`] : [],
      ),
    );
    if (missing.length > 0) {
      for (const reason of missing) tally.blockedWins.set(reason, (tally.blockedWins.get(reason) ?? 0) + 1);
      return;
    }
    const signed = wholeAmount(Number(opportunity.amount?.value ?? current) * (1 - deal.discount));
    await write('won', { amount: signed, currency, closedAt: today });
    tally.won += 1;
    return;
  }
  if (deal.outcome === 'lost' && deal.loss) {
    await write('lost', { ...deal.loss, closedAt: today });
    tally.lost += 1;
    return;
  }
  if (opportunityId === goesBack) {
    const back = openStages[Math.max(0, openStages.indexOf(opportunity.stage) - 1)];
    await write('stage', { to: back, note: BACK_NOTE });
    tally.movedBack += 1;
  }
}

// ---------------------------------------------------------------------------------------------------
// Where the leads ended up

interface LeadView {
  readonly stage: string;
  readonly score?: { readonly fit: number; readonly engagement: number };
  readonly engagementCount: number;
  readonly lastEngagementAt?: string;
}

interface ScoringModelView {
  readonly engagement: { readonly halfLifeDays: number };
  readonly mql: { readonly fit: number; readonly engagement: number };
}

/** Each lead of the run as GET /leads/{id} shows it: its lifecycle stage, and whether its interest went cold. */
async function surveyLeads(
  client: LeadledgerClient,
  leadIds: ReadonlyMap<number, string>,
  concurrency: number,
  progress: Progress,
  tally: Tally,
  fail: Fail,
): Promise<void> {
  let model: ScoringModelView;
  try {
    model = (await client.get<ScoringModelView>('/scoring-model')).body;
  } catch (error) {
    fail('reading the scoring model', error);
    return;
  }
  const coldBefore = Date.now() - model.engagement.halfLifeDays * 24 * 60 * 60 * 1000;
  const ids = [...new Set(leadIds.values())];
  const bar = progress.phase('lifecycle', ids.length);
  await forEachConcurrently(ids, concurrency, async (leadId) => {
    try {
      const { body: lead } = await client.get<LeadView>(`/leads/${leadId}`);
      tally.stages.set(lead.stage, (tally.stages.get(lead.stage) ?? 0) + 1);
      const cold =
        lead.stage === 'captured' &&
        lead.score !== undefined &&
        lead.score.fit >= model.mql.fit &&
        lead.score.engagement < model.mql.engagement &&
        lead.engagementCount >= 3 &&
        lead.lastEngagementAt !== undefined &&
        Date.parse(lead.lastEngagementAt) < coldBefore;
      if (cold) tally.wentCold += 1;
    } catch (error) {
      fail(`reading lead ${leadId}`, error);
    }
    bar.increment(1);
  });
  bar.stop();
}

function wholeAmount(value: number): string {
  return `${Math.max(1, Math.round(value / 100) * 100)}.00`;
}

// ---------------------------------------------------------------------------------------------------
// Report

function printReport(
  plan: SimulationPlan,
  tally: Tally,
  funnel: FunnelAnswer,
  forecast: ForecastAnswer,
): void {
  console.log(
    `\nleads: ${tally.captured} captured, ${tally.updated} updated by a later submission, ` +
      `${tally.unchanged} re-submitted unchanged; ${tally.engagements} engagements recorded` +
      (tally.duplicateEngagements > 0 ? ` (${tally.duplicateEngagements} known already)` : ''),
  );
  const stages = [...tally.stages].sort((a, b) => b[1] - a[1]).map(([stage, count]) => `${count} ${stage}`);
  console.log(
    `lifecycle now: ${stages.join(', ')}; ${tally.wentCold} good-fit leads went cold ` +
      `(3+ activities, the last over a half-life ago, engagement decayed below the MQL threshold)`,
  );
  console.log(
    `sales: ${tally.queued} MQLs assigned to reps` +
      (tally.workedBefore > 0 ? `, ${tally.workedBefore} accepted by an earlier run` : '') +
      (tally.foreign > 0 ? `, ${tally.foreign} leads of other runs left alone` : '') +
      `; ${tally.accepted} accepted, ${tally.rejected} rejected at handoff, ${tally.rejectedAfterDiscovery} ` +
      `rejected after discovery, ${tally.partlyQualified} partly qualified, ${tally.converted} qualified and converted`,
  );
  if (tally.unanswered > 0) {
    console.log(
      `  ${tally.unanswered} left unanswered: their handoff SLA runs in their team's business hours and breaches ` +
        `by itself at the SLA tick (SLA_TICK_MS) once due` +
        (tally.firstSlaDue ? ` (the first at ${tally.firstSlaDue})` : '') +
        `; see GET /analytics/handoff`,
    );
  }
  console.log(
    `opportunities: ${tally.opportunities} worked: ${tally.won} won, ${tally.lost} lost, ` +
      `${tally.slipped} close dates pushed, ${tally.movedBack} moved back with a note`,
  );
  console.log(
    `CRM history: ${tally.imported.imported} deals imported` +
      (tally.importedWon + tally.importedLost > 0
        ? ` (${tally.importedWon} won, ${tally.importedLost} lost, the rest open)`
        : '') +
      `, ${tally.imported.unchanged} there already` +
      (tally.imported.leadsNotFound > 0 ? `, ${tally.imported.leadsNotFound} naming a lead not found` : ''),
  );
  for (const [reason, count] of tally.blockedWins) {
    console.log(
      `note: ${count} planned wins left open: closing won leaves ${reason.split(' ')[0]}, which needs evidence ` +
        `"${reason.split(' ').pop()}", and the lead's qualification did not meet it`,
    );
  }
  console.log(`\nfunnel by source (GET /funnel?groupBy=source, every lead the service has):`);
  for (const line of funnelTable(funnel)) console.log(`  ${line}`);
  console.log(`\nforecast ${plan.quarter} by stage (GET /forecast?period=${plan.quarter}&groupBy=stage):`);
  for (const line of forecastTable(forecast)) console.log(`  ${line}`);
  if (forecast.withoutAmount > 0)
    console.log(`  (${forecast.withoutAmount} open opportunities have no amount yet)`);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error: unknown) => {
  console.error(`simulate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
