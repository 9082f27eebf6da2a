/**
 * The synthetic history a simulation feeds to a running pipeline, planned in full before any request:
 * leads with realistic companies and people, their engagement over time, what sales will do with each
 * one that becomes an MQL, how its opportunity will go, and a CRM's past deals to import. Pure: the same
 * options (seed and `now` included) give the same plan, so a run can be reproduced.
 *
 * Which leads become MQLs is the pipeline's decision (its scoring model, at the time it scores), so the
 * sales and deal fates are planned for every lead and only used for those the pipeline hands to sales.
 */
import {
  CAMPAIGNS,
  COMPANY_SIZES,
  COMPANY_STEMS,
  COMPANY_TAILS,
  COMPETITORS,
  COUNTRIES,
  CRM_PRODUCTS,
  CRM_STAGE_MAP,
  DEMO_PAGE,
  DISPOSABLE_MAIL,
  FREE_MAIL,
  GERMAN_JOB_TITLES,
  INDUSTRIES,
  JOB_TITLES,
  PAGES,
  PRICING_PAGE,
  REJECTION_NOTES,
  SIZE_BANDS,
  SOURCE_DETAILS,
  SOURCE_INTEREST,
  SOURCE_WEIGHTS,
  UTM,
  WEBINARS,
  WHITEPAPERS,
  type CountryProfile,
  type Source,
} from './catalog';
import { Random } from './random';
import type { EngagementActivity } from '@leadledger/contracts';

export interface SimulationOptions {
  readonly leads: number;
  readonly months: number;
  readonly seed: number;
  /** The simulation's present: history ends here. */
  readonly now: Date;
}

export type Currency = 'EUR' | 'USD';

/** The body of one item of POST /leads:batch (LeadSubmissionRequest). */
export interface LeadSubmission {
  readonly source: Source;
  readonly sourceDetail?: string;
  readonly utm?: { readonly source: string; readonly medium: string; readonly campaign: string };
  readonly contact: {
    readonly email: string;
    readonly firstName?: string;
    readonly lastName?: string;
    readonly fullName?: string;
    readonly phone?: string;
    readonly jobTitle?: string;
  };
  readonly company: {
    readonly name: string;
    /** A number, or a band as size dropdowns send it (`"51-200"`). */
    readonly size: number | string;
    readonly industry: string;
    /** Mostly an ISO code, sometimes the country's name as a free-text field sends it. */
    readonly country: string;
  };
  readonly externalRef: { readonly system: string; readonly id: string };
  readonly occurredAt: string;
}

export type Activity = EngagementActivity;

/** The body of POST /leads/{id}/engagements. */
export interface PlannedEngagement {
  readonly activity: Activity;
  readonly detail?: string;
  /** The tracking system's id: a repeated delivery is recognised as one activity. */
  readonly engagementId: string;
  readonly occurredAt: string;
}

export type RejectionReason =
  'not_a_fit' | 'no_budget' | 'no_authority' | 'no_need' | 'bad_timing' | 'unreachable' | 'duplicate';

export interface Rejection {
  readonly reason: RejectionReason;
  readonly note: string;
}

/** What the owner does with the lead once it is assigned to them. */
export interface SalesFate {
  /** unanswered: it waits in the queue (its handoff SLA runs, and breaches in business hours). */
  readonly answer: 'accept' | 'reject' | 'unanswered';
  readonly rejection?: Rejection;
  /** After acceptance: qualified and converted, partly qualified, rejected after discovery, or not yet worked. */
  readonly qualification: 'convert' | 'partial' | 'reject_after_discovery' | 'pending';
  readonly lateRejection?: Rejection;
  /** The budget the buyer named (BANT's budget criterion carries it). */
  readonly budget: { readonly value: string; readonly currency: Currency };
  /** The decision date the buyer named (BANT's timeline criterion carries it). */
  readonly timeline: string;
  readonly authorityMet: boolean;
}

export type OpenStage = 'discovery' | 'proposal' | 'negotiation';
export type LossReason =
  'price' | 'competitor' | 'no_decision' | 'no_budget' | 'timing' | 'product_fit' | 'other';

/** How the lead's opportunity goes, once it has one. */
export interface DealFate {
  readonly outcome: 'won' | 'lost' | 'open';
  /** The furthest open stage it reaches (won deals pass all of them). */
  readonly stage: OpenStage;
  /** Discovery revises the amount by this factor (1: the budget holds). */
  readonly amountFactor: number;
  /** Off the amount when signing (0..0.15). */
  readonly discount: number;
  readonly loss?: { readonly reason: LossReason; readonly competitor?: string; readonly note?: string };
  /** Days the expected close date is pushed out while it is open (slippage); 0 for none. */
  readonly pushDays: number;
}

export interface PlannedLead {
  readonly index: number;
  readonly submission: LeadSubmission;
  readonly engagements: readonly PlannedEngagement[];
  readonly country: CountryProfile;
  /** Employees as a number, whatever the form sent. */
  readonly employees: number;
  readonly sales: SalesFate;
  readonly deal: DealFate;
}

/** One line of POST /imports/opportunities (OpportunityImportLine). */
export interface ImportLine {
  readonly externalRef: { readonly system: string; readonly id: string };
  readonly lead?: { readonly system: string; readonly id: string };
  readonly account: string;
  readonly product: string;
  readonly owner: string;
  readonly currency: Currency;
  readonly amount: string;
  readonly openedAt: string;
  readonly stageHistory: readonly { readonly stage: string; readonly at: string }[];
  readonly status: 'open' | 'won' | 'lost';
  readonly closedAt?: string;
  readonly closeAmount?: string;
  readonly lossReason?: LossReason;
  readonly expectedCloseDate?: string;
}

export interface SimulationPlan {
  readonly options: SimulationOptions;
  readonly leads: readonly PlannedLead[];
  /** Every submission in time order: each lead's first, and later ones of the same person (re-submissions). */
  readonly submissions: readonly { readonly lead: number; readonly body: LeadSubmission }[];
  readonly history: {
    readonly stageMap: Readonly<Record<string, string>>;
    readonly lines: readonly ImportLine[];
  };
  /** `2026-Q4`: the quarter `now` is in. */
  readonly quarter: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MONTH = 30 * DAY;
/** Nothing is dated closer to `now` than this: the service refuses business times in its future. */
const SAFETY = 10 * MINUTE;
const RESUBMISSION_RATE = 0.03;

export function planSimulation(options: SimulationOptions): SimulationPlan {
  const { leads: count, months, seed, now } = options;
  if (!Number.isInteger(count) || count < 1) throw new RangeError('leads must be a positive whole number');
  if (!(months > 0)) throw new RangeError('months must be more than 0');
  const span = months * MONTH;
  const start = now.getTime() - span;
  const leads = Array.from({ length: count }, (_, index) => planLead(seed, index, start, now.getTime()));

  const submissions = leads.map((lead) => ({ lead: lead.index, body: lead.submission }));
  const resubmissions = Random.derived(seed, 'resubmissions');
  for (const lead of leads) {
    if (!resubmissions.chance(RESUBMISSION_RATE)) continue;
    const captured = Date.parse(lead.submission.occurredAt);
    const at = captured + resubmissions.exponential(20 * DAY);
    if (at > now.getTime() - SAFETY) continue;
    submissions.push({ lead: lead.index, body: resubmissionOf(lead, resubmissions, at) });
  }
  submissions.sort((a, b) => a.body.occurredAt.localeCompare(b.body.occurredAt) || a.lead - b.lead);

  return {
    options,
    leads,
    submissions,
    history: { stageMap: CRM_STAGE_MAP, lines: planHistory(seed, leads, start, now.getTime(), count) },
    quarter: quarterOf(now),
  };
}

/** `2026-Q4` for any instant of that quarter (UTC). */
export function quarterOf(date: Date): string {
  return `${date.getUTCFullYear()}-Q${Math.floor(date.getUTCMonth() / 3) + 1}`;
}

/** The last day of the instant's quarter, `2026-12-31`. */
export function quarterEndOf(date: Date): string {
  const endMonth = Math.floor(date.getUTCMonth() / 3) * 3 + 3;
  return isoDate(new Date(Date.UTC(date.getUTCFullYear(), endMonth, 0)));
}

export function isoDate(date: Date | number): string {
  return new Date(date).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return isoDate(Date.parse(`${date}T00:00:00Z`) + days * DAY);
}

// ---------------------------------------------------------------------------------------------------
// Leads

function planLead(seed: number, index: number, start: number, now: number): PlannedLead {
  const rng = Random.derived(seed, 'lead', index);
  const source = rng.weighted(SOURCE_WEIGHTS);
  const country = rng.weighted(COUNTRIES.map((each) => [each, each.weight] as const));
  const [min, max] = rng.weighted(COMPANY_SIZES.map(([low, high, weight]) => [[low, high], weight] as const));
  const employees = roundEmployees(Math.round(min * (max / min) ** rng.next()));
  const industry = rng.weighted(INDUSTRIES);
  const dach = ['DE', 'AT', 'CH'].includes(country.code);
  const jobTitle = rng.weighted(dach && rng.chance(0.25) ? GERMAN_JOB_TITLES : JOB_TITLES);
  const firstName = rng.pick(country.firstNames);
  const lastName = rng.pick(country.lastNames);
  const companyName =
    `${rng.pick(COMPANY_STEMS)} ${rng.pick(COMPANY_TAILS)} ${rng.pick(country.companySuffixes)}`
      .replace(/\s+/g, ' ')
      .trim();
  const email = emailOf(rng, firstName, lastName, companyName, country, index);
  const captured = captureTime(rng, start, now, source);
  const detail = rng.pick(SOURCE_DETAILS[source]);
  const utmChoices = UTM[source];
  const utm =
    utmChoices && rng.chance(0.8) ? { ...rng.pick(utmChoices), campaign: rng.pick(CAMPAIGNS) } : undefined;
  const asFullName = rng.chance(0.1);

  const submission: LeadSubmission = {
    source,
    sourceDetail: detail,
    ...(utm ? { utm } : {}),
    contact: {
      email,
      ...(asFullName ? { fullName: `${firstName} ${lastName}` } : { firstName, lastName }),
      ...(rng.chance(0.45) ? { phone: phoneOf(rng, country) } : {}),
      jobTitle,
    },
    company: {
      name: companyName,
      size: rng.chance(0.2) ? bandOf(employees) : employees,
      industry,
      country: rng.chance(0.1) ? country.name : country.code,
    },
    externalRef: { system: 'hubspot', id: String(10_000_000 + (hashOf(seed, index) % 89_999_999)) },
    occurredAt: new Date(captured).toISOString(),
  };
  const fit = roughFit(submission, employees);
  return {
    index,
    submission,
    engagements: planEngagements(seed, index, submission, fit, captured, now),
    country,
    employees,
    sales: planSales(seed, index, employees, country, now),
    deal: planDeal(seed, index),
  };
}

function hashOf(seed: number, index: number): number {
  return Math.floor(Random.derived(seed, 'external-id', index).next() * 2 ** 31);
}

function roundEmployees(value: number): number {
  if (value < 100) return value;
  const step = value < 1000 ? 10 : 100;
  return Math.round(value / step) * step;
}

function bandOf(employees: number): string {
  return (SIZE_BANDS.find(([low, high]) => employees >= low && employees <= high) ?? SIZE_BANDS[0])[2];
}

function emailOf(
  rng: Random,
  firstName: string,
  lastName: string,
  company: string,
  country: CountryProfile,
  index: number,
): string {
  const local = `${ascii(firstName)}.${ascii(lastName)}`;
  // The index keeps two planned people with the same name apart: a real duplicate is a re-submission.
  const unique = `${local}${index % 7 === 0 ? '' : `.${index.toString(36)}`}`;
  const roll = rng.next();
  if (roll < 0.01) return `${ascii(firstName)}${index.toString(36)}@${rng.pick(DISPOSABLE_MAIL)}`;
  if (roll < 0.12) return `${unique}@${rng.pick(FREE_MAIL)}`;
  const domain =
    ascii(company.split(' ')[0]) + (company.split(' ').length > 2 ? `-${ascii(company.split(' ')[1])}` : '');
  return `${unique}@${domain}.${country.tld}`;
}

function ascii(text: string): string {
  return text
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .normalize('NFKD')
    .replace(/[^a-z0-9]/g, '');
}

function phoneOf(rng: Random, country: CountryProfile): string {
  const digits = Array.from({ length: 9 }, () => rng.int(0, 9)).join('');
  return `${country.phonePrefix} ${digits.slice(0, 3)} ${digits.slice(3)}`;
}

/** More leads lately (a growing funnel), more on weekdays, events in bursts on their day. */
function captureTime(rng: Random, start: number, now: number, source: Source): number {
  const span = now - SAFETY - start;
  for (;;) {
    const age = rng.next();
    if (!rng.chance(1 - 0.45 * age)) continue;
    let at = now - SAFETY - age * span;
    const weekday = new Date(at).getUTCDay();
    if ((weekday === 0 || weekday === 6) && rng.chance(source === 'event' ? 0.95 : 0.7)) continue;
    if (source === 'event') at = Math.floor(at / DAY) * DAY + rng.int(8, 17) * HOUR + rng.int(0, 59) * MINUTE;
    if (at >= start && at <= now - SAFETY) return at;
  }
}

/**
 * A rough fit in the spirit of config/scoring-model.json (seniority, size, industry, region), only to
 * make good-fit leads engage more; the pipeline's own model scores them.
 */
function roughFit(submission: LeadSubmission, employees: number): number {
  const title = (submission.contact.jobTitle ?? '').toLowerCase();
  let fit = employees >= 1000 ? 30 : employees >= 100 ? 25 : employees >= 50 ? 5 : 0;
  if (/\b(ceo|cto|cfo|chief|founder|managing director|geschäftsführer)\b/.test(title)) fit += 25;
  else if (/\b(vp|head of|director)\b/.test(title)) fit += 20;
  else if (/\b(manager|team lead|leiter|leiterin)\b/.test(title)) fit += 10;
  else if (/\b(student|intern|werkstudent)\b/.test(title)) fit -= 20;
  if (['software', 'saas', 'fintech', 'information technology'].includes(submission.company.industry))
    fit += 10;
  if (FREE_MAIL.some((domain) => submission.contact.email.endsWith(`@${domain}`))) fit -= 15;
  return fit;
}

// ---------------------------------------------------------------------------------------------------
// Engagement

function planEngagements(
  seed: number,
  index: number,
  { source, sourceDetail }: LeadSubmission,
  fit: number,
  captured: number,
  now: number,
): PlannedEngagement[] {
  const rng = Random.derived(seed, 'engagement', index);
  const fitFactor = Math.max(0, Math.min(1, (fit + 10) / 70));
  const interest = Math.max(
    0,
    Math.min(1, SOURCE_INTEREST[source] * (0.4 + fitFactor) + (rng.next() - 0.5) * 0.3),
  );
  const planned: { activity: Activity; at: number; detail?: string }[] = [];
  const add = (activity: Activity, at: number, detail?: string) => {
    if (at <= now - SAFETY) planned.push({ activity, at, ...(detail ? { detail } : {}) });
  };

  if (source === 'event') add('event_visit', captured + rng.int(0, 90) * MINUTE, sourceDetail);
  if (source === 'web_form') add('page_view', captured + rng.int(1, 20) * MINUTE, rng.pick(PAGES));

  // A lead's activity over its life: bursts of visits, fading as interest does.
  let at = captured + rng.exponential(2 * DAY);
  const activities = rng.poisson(1 + 9 * interest);
  let registered = false;
  let demo = false;
  for (let count = 0; count < activities; count += 1) {
    const warmth = Math.min(1, interest * (0.6 + count / Math.max(4, activities)));
    const activity = nextActivity(rng, source, warmth, registered, demo);
    registered ||= activity === 'webinar_registered';
    demo ||= activity === 'demo_requested';
    add(activity, at, detailOf(rng, activity));
    at += rng.exponential((2 + 9 * (1 - interest)) * DAY);
  }

  // Some older leads come back months later (a new budget, a new boss): a burst of buying signals lately.
  if (now - captured > 30 * DAY && rng.chance(0.5 * interest + (fit >= 40 ? 0.15 : 0))) {
    let back = now - SAFETY - rng.exponential(6 * DAY);
    for (const activity of [
      'page_view',
      'pricing_page_view',
      'whitepaper_download',
      'pricing_page_view',
    ] as const) {
      add(activity, back, detailOf(rng, activity));
      back += rng.int(20, 600) * MINUTE;
    }
    if (rng.chance(0.5)) add('demo_requested', back + HOUR, DEMO_PAGE);
  }

  return planned
    .sort((a, b) => a.at - b.at)
    .map(({ activity, at: when, detail }, number) => ({
      activity,
      ...(detail ? { detail } : {}),
      engagementId: `sim-${seed}-${index}-${number}`,
      occurredAt: new Date(Math.round(when)).toISOString(),
    }));
}

function nextActivity(
  rng: Random,
  source: Source,
  warmth: number,
  registered: boolean,
  demo: boolean,
): Activity {
  const options: [Activity, number][] = [
    ['page_view', 5],
    ['email_open', source === 'newsletter' ? 6 : 3],
    ['email_click', source === 'newsletter' ? 3 : 1],
    ['whitepaper_download', 1 + 2 * warmth],
    ['webinar_registered', registered ? 0 : 1.5],
    ['webinar_attended', registered ? 3 : 0],
    ['pricing_page_view', 4 * warmth],
    ['demo_requested', demo ? 0 : 3 * warmth * warmth],
  ];
  return rng.weighted(options);
}

function detailOf(rng: Random, activity: Activity): string | undefined {
  switch (activity) {
    case 'page_view':
      return rng.pick(PAGES);
    case 'pricing_page_view':
      return PRICING_PAGE;
    case 'whitepaper_download':
      return rng.pick(WHITEPAPERS);
    case 'webinar_registered':
    case 'webinar_attended':
      return rng.pick(WEBINARS);
    case 'demo_requested':
      return DEMO_PAGE;
    case 'email_open':
    case 'email_click':
      return `newsletter ${rng.pick(['2026-07', '2026-08', '2026-09', '2026-10', '2026-11'])}`;
    default:
      return undefined;
  }
}

/** The same person again, later, from another channel; sometimes with a new title. */
function resubmissionOf(lead: PlannedLead, rng: Random, at: number): LeadSubmission {
  const first = lead.submission;
  const source = rng.weighted(SOURCE_WEIGHTS);
  const promoted = rng.chance(0.3);
  return {
    ...first,
    source,
    sourceDetail: rng.pick(SOURCE_DETAILS[source]),
    contact: {
      ...first.contact,
      ...(promoted
        ? { jobTitle: rng.pick(['Head of Sales', 'VP Sales', 'Director of Revenue Operations']) }
        : {}),
    },
    occurredAt: new Date(Math.round(at)).toISOString(),
  };
}

// ---------------------------------------------------------------------------------------------------
// Sales and deals

const REJECTIONS: readonly (readonly [RejectionReason, number])[] = [
  ['not_a_fit', 4],
  ['no_budget', 2],
  ['no_authority', 2],
  ['bad_timing', 3],
  ['unreachable', 3],
  ['no_need', 1],
  ['duplicate', 1],
];

function planSales(
  seed: number,
  index: number,
  employees: number,
  country: CountryProfile,
  now: number,
): SalesFate {
  const rng = Random.derived(seed, 'sales', index);
  const answer = rng.weighted([
    ['accept', 82],
    ['reject', 12],
    ['unanswered', 6],
  ] as const);
  const reason = rng.weighted(REJECTIONS);
  const qualification = rng.weighted([
    ['convert', 55],
    ['partial', 18],
    ['reject_after_discovery', 9],
    ['pending', 18],
  ] as const);
  const lateReason = rng.pick(['no_budget', 'bad_timing', 'no_need', 'no_authority'] as const);
  const [low, high] =
    employees >= 1000 ? [80_000, 450_000] : employees >= 50 ? [20_000, 120_000] : [6_000, 25_000];
  const budget = Math.round((low + rng.next() * (high - low)) / 500) * 500;
  const today = isoDate(now);
  const quarterEnd = quarterEndOf(new Date(now));
  const daysLeft = Math.round((Date.parse(quarterEnd) - Date.parse(today)) / DAY);
  const timeline =
    rng.chance(0.4) && daysLeft >= 5
      ? addDays(today, rng.int(5, daysLeft))
      : addDays(today, rng.int(30, 180));
  return {
    answer,
    ...(answer === 'reject' ? { rejection: { reason, note: REJECTION_NOTES[reason] } } : {}),
    qualification,
    ...(qualification === 'reject_after_discovery'
      ? { lateRejection: { reason: lateReason, note: REJECTION_NOTES[lateReason] } }
      : {}),
    budget: { value: `${budget}.00`, currency: country.currency },
    timeline,
    authorityMet: rng.chance(0.85),
  };
}

const LOSSES: readonly (readonly [LossReason, number])[] = [
  ['competitor', 5],
  ['price', 3],
  ['no_decision', 4],
  ['no_budget', 2],
  ['timing', 2],
  ['product_fit', 1],
];

function planDeal(seed: number, index: number): DealFate {
  const rng = Random.derived(seed, 'deal', index);
  const outcome = rng.weighted([
    ['won', 25],
    ['lost', 30],
    ['open', 45],
  ] as const);
  const stage: OpenStage =
    outcome === 'won'
      ? 'negotiation'
      : rng.weighted([
          ['discovery', 35],
          ['proposal', 40],
          ['negotiation', 25],
        ] as const);
  const amountFactor = rng.chance(0.45) ? rng.int(70, 140) / 100 : 1;
  const discount = rng.int(0, 15) / 100;
  const reason = rng.weighted(LOSSES);
  return {
    outcome,
    stage,
    amountFactor,
    discount,
    ...(outcome === 'lost'
      ? {
          loss: {
            reason,
            ...(reason === 'competitor' ? { competitor: rng.pick(COMPETITORS) } : {}),
            ...(rng.chance(0.5) ? { note: lossNoteOf(reason) } : {}),
          },
        }
      : {}),
    pushDays: rng.chance(0.35) ? rng.int(14, 60) : 0,
  };
}

function lossNoteOf(reason: LossReason): string {
  switch (reason) {
    case 'competitor':
      return 'Went with the tool their parent company standardised on.';
    case 'price':
      return 'Needed 40% off list; we stopped at 15%.';
    case 'no_decision':
      return 'Champion left; the project stalled.';
    case 'no_budget':
      return 'Budget reallocated to a hiring freeze.';
    case 'timing':
      return 'Revisit after their ERP migration.';
    default:
      return 'Needed an on-premises deployment.';
  }
}

/**
 * Past deals from the CRM: each opened on a business day, moved through the stages at the pace deals
 * move, and won or lost (four in five) or still open now. About one deal per 12 leads; some came from
 * a lead the simulation also submitted (linked by the lead's HubSpot id), the rest predate this system.
 */
function planHistory(
  seed: number,
  leads: readonly PlannedLead[],
  start: number,
  now: number,
  count: number,
): ImportLine[] {
  const rng = Random.derived(seed, 'history');
  const deals = Math.max(20, Math.round(count / 12));
  const byCapture = [...leads].sort((a, b) => a.submission.occurredAt.localeCompare(b.submission.occurredAt));
  const lines: ImportLine[] = [];
  const path = ['Qualification', 'Proposal/Price Quote', 'Negotiation/Review'];
  for (let number = 0; number < deals; number += 1) {
    const status = rng.weighted([
      ['won', 35],
      ['lost', 45],
      ['open', 20],
    ] as const);
    // Stages reached (1..3) and days in each; a closed deal's whole cycle fits into the window.
    const reached =
      status === 'won'
        ? 3
        : rng.weighted([
            [1, 40],
            [2, 35],
            [3, 25],
          ] as const);
    let days = Array.from({ length: reached }, () => 2 + rng.exponential(10));
    const cycle = days.reduce((sum, each) => sum + each, 0);
    const room = (now - start) / DAY - 7;
    if (cycle > room) days = days.map((each) => (each * room) / cycle);
    const total = days.reduce((sum, each) => sum + each, 0);
    const openedAt =
      status === 'open'
        ? businessTime(rng, now - rng.int(3, 40) * DAY)
        : businessTime(rng, start + rng.next() * Math.max(0, now - 3 * DAY - total * DAY - start));
    const linked = rng.chance(0.4) ? leadCapturedBefore(rng, byCapture, openedAt - 5 * DAY) : undefined;
    const country = linked?.country ?? rng.weighted(COUNTRIES.map((each) => [each, each.weight] as const));
    const amount = rng.int(10, 250) * 1000;

    const history = [{ stage: path[0], at: openedAt }];
    let at = openedAt;
    let closedAt: number | undefined;
    for (let step = 0; step < reached; step += 1) {
      const next = Math.max(at + HOUR, businessTime(rng, at + days[step] * DAY));
      if (next > now - SAFETY) break;
      at = next;
      const last = step === reached - 1;
      if (last && status !== 'open') {
        closedAt = at;
        history.push({ stage: status === 'won' ? 'Closed Won' : 'Closed Lost', at });
      } else if (!last) {
        history.push({ stage: path[step + 1], at });
      }
    }
    // A deal whose close would fall after now is still open.
    const outcome = status !== 'open' && closedAt === undefined ? 'open' : status;
    const expectedClose = addDays(isoDate(now), rng.int(5, 90));
    lines.push({
      externalRef: {
        system: 'salesforce',
        id: `006${(seed % 1000).toString().padStart(3, '0')}${number.toString().padStart(9, '0')}`,
      },
      ...(linked ? { lead: linked.submission.externalRef } : {}),
      account:
        linked?.submission.company.name ?? `${rng.pick(COMPANY_STEMS)} ${rng.pick(country.companySuffixes)}`,
      product: rng.pick(CRM_PRODUCTS),
      owner: rng.pick(ownersFor(country.code)),
      currency: country.currency,
      amount: `${amount}.00`,
      openedAt: new Date(openedAt).toISOString(),
      stageHistory: history.map(({ stage, at: when }) => ({ stage, at: new Date(when).toISOString() })),
      status: outcome,
      ...(closedAt !== undefined ? { closedAt: isoDate(closedAt) } : {}),
      ...(outcome === 'won' && rng.chance(0.6)
        ? { closeAmount: `${Math.round(amount * (1 - rng.int(3, 15) / 100))}.00` }
        : {}),
      ...(outcome === 'lost' ? { lossReason: rng.weighted(LOSSES) } : {}),
      ...(outcome === 'open' ? { expectedCloseDate: expectedClose } : {}),
    });
  }
  return lines;
}

/** The reps of config/sales-team.json whose territory the country is. */
function ownersFor(country: string): readonly string[] {
  if (['DE', 'AT', 'CH'].includes(country))
    return ['ana@acme.example', 'lukas@acme.example', 'marie@acme.example'];
  if (['US', 'CA'].includes(country)) return ['jordan@acme.example', 'priya@acme.example'];
  return ['oliver@acme.example', 'sofia@acme.example'];
}

function leadCapturedBefore(
  rng: Random,
  byCapture: readonly PlannedLead[],
  before: number,
): PlannedLead | undefined {
  const earlier = byCapture.filter((lead) => Date.parse(lead.submission.occurredAt) < before);
  return earlier.length > 0 ? rng.pick(earlier) : undefined;
}

/** The instant moved into a working day's hours (09:00 to 17:00 UTC), as a CRM records a rep's clicks. */
function businessTime(rng: Random, at: number): number {
  let day = Math.floor(at / DAY) * DAY;
  while ([0, 6].includes(new Date(day).getUTCDay())) day += DAY;
  return day + rng.int(9, 16) * HOUR + rng.int(0, 59) * MINUTE;
}
