import {
  decimalOfMinor,
  type Pipeline,
  type PipelinesConfig,
  pipelineById,
  stageIndex,
  stageOf,
} from '@leadledger/contracts';
import type {
  ClosedOpportunity,
  FunnelLead,
  Handoff,
  OpportunityVersion,
  SlippingOpportunity,
  StageVisit,
} from '../projections/analytics-queries';
import { daysBetween, median, percentile, rateOf, round, wilsonInterval, type Rate } from './statistics';
import { weightedMinor } from './forecast';

/*
 * The analytics as pure functions of read-model rows: what sales leadership asks, each answer
 * checkable by hand.
 */

export const FUNNEL_GROUPINGS = ['source', 'sourceDetail', 'month'] as const;
export type FunnelGrouping = (typeof FUNNEL_GROUPINGS)[number];

export interface FunnelCounts {
  readonly leads: number;
  readonly mql: number;
  readonly sql: number;
  readonly opportunity: number;
  readonly won: number;
}

export interface FunnelGroup {
  readonly key: string;
  readonly counts: FunnelCounts;
  readonly conversion: {
    readonly leadToMql: Rate;
    readonly mqlToSql: Rate;
    readonly sqlToOpportunity: Rate;
    readonly opportunityToWon: Rate;
    readonly leadToWon: Rate;
  };
}

/** Counts per cohort group, each step's conversion from the step before, and lead to won. */
export function funnelOf(
  leads: readonly FunnelLead[],
  groupBy?: FunnelGrouping,
): { total: FunnelGroup; groups?: FunnelGroup[] } {
  const total = countFunnel('all', leads);
  if (!groupBy) return { total };
  const byKey = new Map<string, FunnelLead[]>();
  for (const lead of leads) {
    const key =
      groupBy === 'source'
        ? lead.source
        : groupBy === 'month'
          ? lead.cohortMonth
          : (lead.sourceDetail ?? '(none)');
    appendTo(byKey, key, lead);
  }
  const groups = [...byKey.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, members]) => countFunnel(key, members));
  return { total, groups };
}

function countFunnel(key: string, leads: readonly FunnelLead[]): FunnelGroup {
  const counts = {
    leads: leads.length,
    mql: leads.filter((lead) => lead.mql).length,
    sql: leads.filter((lead) => lead.sql).length,
    opportunity: leads.filter((lead) => lead.opportunity).length,
    won: leads.filter((lead) => lead.won).length,
  };
  return {
    key,
    counts,
    conversion: {
      leadToMql: rateOf(counts.mql, counts.leads),
      mqlToSql: rateOf(counts.sql, counts.mql),
      sqlToOpportunity: rateOf(counts.opportunity, counts.sql),
      opportunityToWon: rateOf(counts.won, counts.opportunity),
      leadToWon: rateOf(counts.won, counts.leads),
    },
  };
}

/** Median and 90th percentile of durations in days, with how many there were. */
export interface Durations {
  readonly count: number;
  readonly medianDays?: number;
  readonly p90Days?: number;
}

export function durationsOf(days: readonly number[]): Durations {
  const medianDays = median(days);
  const p90Days = percentile(days, 0.9);
  return {
    count: days.length,
    ...(medianDays !== undefined ? { medianDays: round(medianDays, 2) } : {}),
    ...(p90Days !== undefined ? { p90Days: round(p90Days, 2) } : {}),
  };
}

export const CYCLE_TIME_GROUPINGS = ['stage', 'owner'] as const;
export type CycleTimeGrouping = (typeof CYCLE_TIME_GROUPINGS)[number];

export interface CycleTimeRow extends Durations {
  /** The owner when grouped by owner; absent when grouped by stage. */
  readonly owner?: string;
  readonly pipeline: string;
  /** A stage, or `opening_to_won`. */
  readonly stage: string;
}

/**
 * Days spent in each stage (visits that ended), and from opening to won, per pipeline (and owner).
 * A stage visited twice counts each visit.
 */
export function cycleTimesOf(
  visits: readonly StageVisit[],
  closed: readonly ClosedOpportunity[],
  groupBy: CycleTimeGrouping = 'stage',
): CycleTimeRow[] {
  const buckets = new Map<string, { owner?: string; pipeline: string; stage: string; days: number[] }>();
  const bucket = (owner: string | undefined, pipeline: string, stage: string) => {
    const key = JSON.stringify([owner ?? null, pipeline, stage]);
    const found = buckets.get(key);
    if (found) return found.days;
    const created = { ...(owner !== undefined ? { owner } : {}), pipeline, stage, days: [] as number[] };
    buckets.set(key, created);
    return created.days;
  };
  const ownerOf = (owner: string) => (groupBy === 'owner' ? owner : undefined);
  for (const visit of visits) {
    if (visit.leftAt)
      bucket(ownerOf(visit.owner), visit.pipeline, visit.stage).push(
        daysBetween(visit.enteredAt, visit.leftAt),
      );
  }
  for (const opportunity of closed) {
    if (opportunity.status === 'won') {
      bucket(ownerOf(opportunity.owner), opportunity.pipeline, 'opening_to_won').push(
        daysBetween(opportunity.openedAt, opportunity.closedAt),
      );
    }
  }
  return [...buckets.values()]
    .map(({ days, ...where }) => ({ ...where, ...durationsOf(days) }))
    .sort((a, b) =>
      JSON.stringify([a.owner ?? '', a.pipeline, a.stage]).localeCompare(
        JSON.stringify([b.owner ?? '', b.pipeline, b.stage]),
      ),
    );
}

export const WIN_RATE_GROUPINGS = ['owner', 'source', 'pipeline'] as const;
export type WinRateGrouping = (typeof WIN_RATE_GROUPINGS)[number];

/** won / (won + lost) per group, with the counts. */
export function winRatesOf(
  closed: readonly ClosedOpportunity[],
  groupBy?: WinRateGrouping,
): { total: Rate; groups?: { key: string; won: number; lost: number; winRate: Rate }[] } {
  const rate = (members: readonly ClosedOpportunity[]) =>
    rateOf(members.filter((o) => o.status === 'won').length, members.length);
  if (!groupBy) return { total: rate(closed) };
  const byKey = new Map<string, ClosedOpportunity[]>();
  for (const opportunity of closed) {
    const key = opportunity[groupBy];
    appendTo(byKey, key, opportunity);
  }
  return {
    total: rate(closed),
    groups: [...byKey.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, members]) => {
        const winRate = rate(members);
        return { key, won: winRate.numerator, lost: winRate.denominator - winRate.numerator, winRate };
      }),
  };
}

/** Lost opportunities per reason, with their amounts per currency and the competitors named. */
export function lossReasonsOf(closed: readonly ClosedOpportunity[]) {
  const lost = closed.filter((o) => o.status === 'lost');
  const byReason = new Map<string, ClosedOpportunity[]>();
  for (const opportunity of lost) {
    const reason = opportunity.lossReason ?? 'other';
    appendTo(byReason, reason, opportunity);
  }
  return {
    lost: lost.length,
    reasons: [...byReason.entries()]
      .sort(([a, x], [b, y]) => y.length - x.length || a.localeCompare(b))
      .map(([reason, members]) => ({
        reason,
        count: members.length,
        share: rateOf(members.length, lost.length),
        amounts: amountsOf(members),
        competitors: countsOf(members.flatMap((o) => (o.competitor ? [o.competitor] : []))),
      })),
  };
}

function amountsOf(opportunities: readonly { amountMinor?: number; currency?: string }[]) {
  const sums = new Map<string, bigint>();
  for (const { amountMinor, currency } of opportunities) {
    if (amountMinor !== undefined && currency !== undefined)
      sums.set(currency, (sums.get(currency) ?? 0n) + BigInt(amountMinor));
  }
  return [...sums.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, minor]) => ({ currency, amount: decimalOfMinor(minor, currency) }));
}

function countsOf(values: readonly string[]) {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([name, count]) => ({ name, count }));
}

/** How often close dates were pushed out and by how much; open opportunities already past their date. */
export function slippageOf(opportunities: readonly SlippingOpportunity[], today: string) {
  const pushed = opportunities.filter((o) => o.pushes > 0);
  return {
    opportunities: opportunities.length,
    pushed: pushed.length,
    pushes: pushed.reduce((sum, o) => sum + o.pushes, 0),
    pushesPerOpportunity:
      opportunities.length === 0
        ? undefined
        : round(pushed.reduce((sum, o) => sum + o.pushes, 0) / opportunities.length, 2),
    daysSlipped: durationsOf(pushed.map((o) => o.daysSlipped)),
    overdue: opportunities.filter((o) => o.status === 'open' && o.expectedCloseDate < today).length,
    mostPushed: [...pushed]
      .sort(
        (a, b) =>
          b.pushes - a.pushes ||
          b.daysSlipped - a.daysSlipped ||
          a.opportunityId.localeCompare(b.opportunityId),
      )
      .slice(0, 20)
      .map(({ opportunityId, owner, pushes, daysSlipped }) => ({
        opportunityId,
        owner,
        pushes,
        daysSlipped,
      })),
  };
}

/** Time an MQL waited for a rep, then the time the rep took to answer, per team; breaches counted. */
export function handoffOf(leads: readonly Handoff[]) {
  const byTeam = new Map<string, Handoff[]>();
  for (const lead of leads) {
    const team = lead.team ?? '(unassigned)';
    appendTo(byTeam, team, lead);
  }
  const summary = (members: readonly Handoff[]) => ({
    mqls: members.length,
    waitingForRep: durationsOf(
      members.flatMap((l) => (l.firstAssignedAt ? [daysBetween(l.mqlAt, l.firstAssignedAt)] : [])),
    ),
    repTook: durationsOf(
      members.flatMap((l) =>
        l.firstAssignedAt && l.answeredAt ? [daysBetween(l.firstAssignedAt, l.answeredAt)] : [],
      ),
    ),
    unanswered: members.filter((l) => l.firstAssignedAt && !l.answeredAt).length,
    slaBreaches: members.reduce((sum, l) => sum + l.slaBreaches, 0),
    leadsBreached: members.filter((l) => l.slaBreaches > 0).length,
  });
  return {
    total: summary(leads),
    teams: [...byTeam.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([team, members]) => ({ team, ...summary(members) })),
  };
}

export interface StageProbability {
  readonly pipeline: string;
  readonly stage: string;
  readonly configured: number;
  /** Opportunities that were ever in the stage. */
  readonly passedThrough: number;
  readonly won: number;
  readonly lost: number;
  readonly open: number;
  /** Of those closed, the share won, in percent; absent with nothing closed. */
  readonly observed?: number;
  readonly interval95?: { readonly low: number; readonly high: number };
  /** What `?probabilities=calibrated` uses: the observed share once enough closed, else the configured. */
  readonly calibrated: number;
}

/** Fewer closed opportunities than this through a stage, and its observed share is too noisy to forecast with. */
export const MIN_CLOSED_FOR_CALIBRATION = 5;

export function stageProbabilitiesOf(
  visits: readonly StageVisit[],
  config: PipelinesConfig,
): StageProbability[] {
  const seen = new Map<string, Map<string, 'open' | 'won' | 'lost'>>();
  for (const visit of visits) {
    const key = `${visit.pipeline}\u0000${visit.stage}`;
    const opportunities = seen.get(key) ?? new Map<string, 'open' | 'won' | 'lost'>();
    opportunities.set(visit.opportunityId, visit.status);
    seen.set(key, opportunities);
  }
  return config.pipelines.flatMap((pipeline) =>
    pipeline.stages
      .filter((stage) => !stage.outcome)
      .map((stage) => {
        const statuses = [...(seen.get(`${pipeline.id}\u0000${stage.id}`)?.values() ?? [])];
        const won = statuses.filter((s) => s === 'won').length;
        const lost = statuses.filter((s) => s === 'lost').length;
        const interval = wilsonInterval(won, won + lost);
        const observed = won + lost > 0 ? round((100 * won) / (won + lost), 2) : undefined;
        return {
          pipeline: pipeline.id,
          stage: stage.id,
          configured: stage.probability,
          passedThrough: statuses.length,
          won,
          lost,
          open: statuses.length - won - lost,
          ...(observed !== undefined ? { observed } : {}),
          ...(interval
            ? { interval95: { low: round(interval.low * 100, 2), high: round(interval.high * 100, 2) } }
            : {}),
          calibrated:
            observed !== undefined && won + lost >= MIN_CLOSED_FOR_CALIBRATION ? observed : stage.probability,
        };
      }),
  );
}

export const CHANGE_KINDS = [
  'entered',
  'advanced',
  'movedBack',
  'slipped',
  'pulledIn',
  'amountChanged',
  'won',
  'lost',
  'reopened',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface PipelineChange {
  readonly opportunityId: string;
  readonly kinds: ChangeKind[];
  readonly before?: OpportunityVersion;
  readonly after: OpportunityVersion;
}

/**
 * What happened to the pipeline between two instants, per opportunity, by comparing the version in
 * force at each (an opportunity that advanced and then moved back in between did neither).
 */
export function pipelineChangesOf(
  before: ReadonlyMap<string, OpportunityVersion>,
  after: ReadonlyMap<string, OpportunityVersion>,
  opened: ReadonlySet<string>,
  config: PipelinesConfig,
): {
  changes: PipelineChange[];
  totals: { kind: ChangeKind; count: number; amounts: { currency: string; amount: string }[] }[];
} {
  const changes: PipelineChange[] = [];
  for (const [id, now] of after) {
    const then = before.get(id);
    const kinds: ChangeKind[] = [];
    if (!then) {
      if (opened.has(id)) kinds.push('entered');
      if (now.status === 'won') kinds.push('won');
      if (now.status === 'lost') kinds.push('lost');
    } else if (then.status !== 'open' && now.status === 'open') {
      kinds.push('reopened');
    } else if (then.status === 'open' && now.status !== 'open') {
      kinds.push(now.status === 'won' ? 'won' : 'lost');
    } else if (then.status === 'open') {
      const pipeline = pipelineById(config, now.pipeline);
      const move = pipeline ? direction(pipeline, then.stage, now.stage) : 0;
      if (move > 0) kinds.push('advanced');
      if (move < 0) kinds.push('movedBack');
      if (now.expectedCloseDate > then.expectedCloseDate) kinds.push('slipped');
      if (now.expectedCloseDate < then.expectedCloseDate) kinds.push('pulledIn');
      if (now.amountMinor !== then.amountMinor || now.currency !== then.currency) kinds.push('amountChanged');
    }
    if (kinds.length > 0)
      changes.push({ opportunityId: id, kinds, ...(then ? { before: then } : {}), after: now });
  }
  changes.sort((a, b) => a.opportunityId.localeCompare(b.opportunityId));
  const totals = CHANGE_KINDS.map((kind) => {
    const members = changes.filter((change) => change.kinds.includes(kind));
    return { kind, count: members.length, amounts: amountsOf(members.map((change) => change.after)) };
  });
  return { changes, totals };
}

/** The move's direction along the pipeline's configured order; a stage no longer configured counts as no move. */
function direction(pipeline: Pipeline, from: string, to: string): number {
  if (from === to || !stageOf(pipeline, from) || !stageOf(pipeline, to)) return 0;
  return Math.sign(stageIndex(pipeline, to) - stageIndex(pipeline, from));
}

/** The open pipeline at an instant: its opportunities and, per currency, amount and weighted amount. */
export function openPipelineOf(versions: ReadonlyMap<string, OpportunityVersion>) {
  const open = [...versions.values()].filter((version) => version.status === 'open');
  const sums = new Map<string, { amount: bigint; weighted: bigint; count: number }>();
  let withoutAmount = 0;
  for (const version of open) {
    if (version.amountMinor === undefined || version.currency === undefined) {
      withoutAmount += 1;
      continue;
    }
    const sum = sums.get(version.currency) ?? { amount: 0n, weighted: 0n, count: 0 };
    sum.amount += BigInt(version.amountMinor);
    if (version.forecastCategory !== 'omitted')
      sum.weighted += BigInt(version.amountMinor) * BigInt(version.probability);
    sum.count += 1;
    sums.set(version.currency, sum);
  }
  return {
    opportunities: open,
    totals: [...sums.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, sum]) => ({
        currency,
        opportunities: sum.count,
        amount: decimalOfMinor(sum.amount, currency),
        weighted: decimalOfMinor(weightedMinor(sum.weighted), currency),
      })),
    withoutAmount,
  };
}

/** Adds `item` to the group under `key`: in place, since copying the group for every item is quadratic. */
function appendTo<Item>(groups: Map<string, Item[]>, key: string, item: Item): void {
  const group = groups.get(key);
  if (group) group.push(item);
  else groups.set(key, [item]);
}
