import type { EngagementActivity, ScoreContribution } from '@leadledger/contracts';
import type { Fact, LeadFacts } from './lead-facts';
import type { Condition, Disqualifier, EngagementRule, ScoringModel } from './scoring-model';

/** One recorded activity of the lead: the LeadEngagementRecorded event's id, activity and business time. */
export interface Engagement {
  readonly eventId: string;
  readonly activity: EngagementActivity;
  /** RFC 3339. */
  readonly occurredAt: string;
}

/**
 * A lead's score as a ledger: every point is a contribution that names its rule and the event that earned it,
 * and each axis is exactly the sum of its contributions, so a score can always be explained to the point.
 */
export interface Score {
  readonly fit: number;
  readonly engagement: number;
  /** fit + engagement. */
  readonly total: number;
  /** Fit contributions in model order, then engagement contributions oldest first; none of zero points. */
  readonly breakdown: ScoreContribution[];
  readonly modelVersion: string;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** How far ahead nextReviewAt looks: after 20 half-lives an activity keeps less than a millionth of its points. */
const REVIEW_HORIZON_HALF_LIVES = 20;

/**
 * Scores a lead as of an instant. Engagement points are capped per rule and period first, then decayed to
 * `asOf`, then rounded to whole points per contribution: rounding each part, not the sum, is what keeps the
 * score equal to its parts (at the price of a sum that may differ from the rounded exact sum by a few points).
 */
export function scoreLead(
  model: ScoringModel,
  facts: LeadFacts,
  engagements: readonly Engagement[],
  asOf: Date,
): Score {
  const fitParts = fitContributions(model, facts);
  const engagementParts = engagementContributions(model, engagements, asOf);
  const fit = sumOf(fitParts);
  const engagement = sumOf(engagementParts);
  return {
    fit,
    engagement,
    total: fit + engagement,
    breakdown: [...fitParts, ...engagementParts],
    modelVersion: model.version,
  };
}

/** The first disqualifier, in model order, whose condition holds for the lead. */
export function disqualifierMatching(model: ScoringModel, facts: LeadFacts): Disqualifier | undefined {
  return model.disqualifiers.find((disqualifier) => conditionHolds(disqualifier.condition, facts));
}

/** Both axes at or above their thresholds. Whether a disqualifier rules the lead out is a separate question. */
export function isMarketingQualified(model: ScoringModel, score: Pick<Score, 'fit' | 'engagement'>): boolean {
  return score.fit >= model.mql.fit && score.engagement >= model.mql.engagement;
}

/**
 * The first minute after `asOf` at which decay alone makes the lead no longer MQL-eligible: its engagement
 * falls below the threshold. Undefined when the lead is not eligible at `asOf`: fit does not decay and
 * engagement only falls, so decay cannot make it eligible; only a new fact or activity can, and either
 * triggers a rescore of its own. Undefined too when engagement stays at or above the threshold for the next
 * 20 half-lives (a threshold of 0, or activities dated in the future).
 *
 * Engagement never rises as time passes (a contribution's decayed points only fall, and caps do not depend
 * on the moment of scoring), so a binary search over whole minutes finds the crossing.
 */
export function nextReviewAt(
  model: ScoringModel,
  facts: LeadFacts,
  engagements: readonly Engagement[],
  asOf: Date,
): Date | undefined {
  if (!isMarketingQualified(model, scoreLead(model, facts, engagements, asOf))) return undefined;
  const threshold = model.mql.engagement;
  const minutesLater = (minutes: number) => new Date(asOf.getTime() + minutes * MINUTE_MS);
  const belowThresholdAfter = (minutes: number) =>
    scoreLead(model, facts, engagements, minutesLater(minutes)).engagement < threshold;

  let lastAtOrAbove = 0;
  let firstBelow = Math.ceil(
    (REVIEW_HORIZON_HALF_LIVES * model.engagement.halfLifeDays * DAY_MS) / MINUTE_MS,
  );
  if (!belowThresholdAfter(firstBelow)) return undefined;
  while (firstBelow - lastAtOrAbove > 1) {
    const middle = Math.floor((lastAtOrAbove + firstBelow) / 2);
    if (belowThresholdAfter(middle)) firstBelow = middle;
    else lastAtOrAbove = middle;
  }
  return minutesLater(firstBelow);
}

/** Whether a condition holds for the lead's current value of its field; never for an unknown field. */
export function conditionHolds(condition: Condition, facts: LeadFacts): boolean {
  const fact: Fact<string | number> | undefined = facts[condition.field];
  if (fact === undefined) return false;
  const { value } = fact;
  switch (condition.kind) {
    case 'range':
      return (
        typeof value === 'number' &&
        (condition.min === undefined || value >= condition.min) &&
        (condition.max === undefined || value <= condition.max)
      );
    case 'pattern':
      return typeof value === 'string' && condition.pattern.test(value);
    case 'in':
      return typeof value === 'string' && condition.values.includes(value.toLowerCase());
    case 'emailDomainIn': {
      if (typeof value !== 'string') return false;
      const at = value.lastIndexOf('@');
      return at >= 0 && condition.domains.includes(value.slice(at + 1).toLowerCase());
    }
  }
}

function fitContributions(model: ScoringModel, facts: LeadFacts): ScoreContribution[] {
  return model.fit.rules.flatMap((rule) => {
    const fact = facts[rule.condition.field];
    if (fact === undefined || rule.points === 0 || !conditionHolds(rule.condition, facts)) return [];
    return [{ ruleId: rule.id, axis: 'fit' as const, points: rule.points, eventId: fact.eventId }];
  });
}

/**
 * Per activity rule, base points are capped per fixed window of `cap.periodDays` counted from the Unix epoch
 * (the window an event falls in depends on its own time only, so a replay or a late-arriving event cannot
 * shift other events between windows). Within a window events earn in time order (ties by event id): the one
 * that reaches the cap earns the remainder, later ones nothing. Then each event's points decay with its age.
 */
function engagementContributions(
  model: ScoringModel,
  engagements: readonly Engagement[],
  asOf: Date,
): ScoreContribution[] {
  const ruleFor = new Map<EngagementActivity, EngagementRule>(
    model.engagement.rules.map((rule) => [rule.activity, rule]),
  );
  const halfLifeMs = model.engagement.halfLifeDays * DAY_MS;
  const earnedInWindow = new Map<string, number>();
  const contributions: ScoreContribution[] = [];
  for (const { eventId, activity, at } of chronologically(engagements)) {
    const rule = ruleFor.get(activity);
    if (!rule) continue;
    const window = `${rule.id}@${Math.floor(at / (rule.cap.periodDays * DAY_MS))}`;
    const earnedBefore = earnedInWindow.get(window) ?? 0;
    const earned = Math.max(0, Math.min(rule.points, rule.cap.points - earnedBefore));
    earnedInWindow.set(window, earnedBefore + earned);
    const age = asOf.getTime() - at;
    // An event dated after asOf (an import, a skewed clock) has not started to fade.
    const points = Math.round(age > 0 ? earned * 0.5 ** (age / halfLifeMs) : earned);
    if (points !== 0) contributions.push({ ruleId: rule.id, axis: 'engagement', points, eventId });
  }
  return contributions;
}

function chronologically(engagements: readonly Engagement[]): (Engagement & { readonly at: number })[] {
  return engagements
    .map((engagement) => {
      const at = Date.parse(engagement.occurredAt);
      if (Number.isNaN(at)) {
        throw new TypeError(
          `engagement ${engagement.eventId} has no valid occurredAt: "${engagement.occurredAt}"`,
        );
      }
      return { ...engagement, at };
    })
    .sort((a, b) => a.at - b.at || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
}

function sumOf(contributions: readonly ScoreContribution[]): number {
  return contributions.reduce((sum, { points }) => sum + points, 0);
}
