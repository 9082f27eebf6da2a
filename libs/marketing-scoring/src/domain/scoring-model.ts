import {
  InvalidConfigurationError,
  isRecord,
  readablePath,
  valueAt,
  ENGAGEMENT_ACTIVITIES,
  LEAD_SOURCES,
  Nested,
  NestedList,
  Optional,
  Text,
  validateAgainst,
  type EngagementActivity,
} from '@leadledger/contracts';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsPositive,
  IsString,
  Length,
} from 'class-validator';
import { NUMERIC_FIELDS, SCORING_FIELDS, type ScoringField } from './lead-facts';

/*
 * The scoring model: which facts make a lead fit, which activities show engagement and how fast that fades,
 * which facts rule a lead out, and where MQL begins. It lives in config/ as JSON, versioned, and every score
 * names the version it was computed with.
 */

/** A test on one field. A condition on a field the lead does not have never holds. */
export type Condition =
  /** Inclusive bounds on a number; at least one of them. */
  | { readonly kind: 'range'; readonly field: ScoringField; readonly min?: number; readonly max?: number }
  /** A case-insensitive regular expression, found anywhere in the text. */
  | { readonly kind: 'pattern'; readonly field: ScoringField; readonly pattern: RegExp }
  /** Case-insensitive equality with one of the values (held lower-case). */
  | { readonly kind: 'in'; readonly field: ScoringField; readonly values: readonly string[] }
  /** The part of an email address after the @ equals one of the domains (held lower-case). */
  | { readonly kind: 'emailDomainIn'; readonly field: ScoringField; readonly domains: readonly string[] };

export type ConditionKind = Condition['kind'];

export interface FitRule {
  readonly id: string;
  readonly condition: Condition;
  /** Negative for a penalty, e.g. a free-mail address. */
  readonly points: number;
}

/** A fact that makes the lead no opportunity however engaged it is. */
export interface Disqualifier {
  readonly id: string;
  readonly condition: Condition;
  readonly reason: string;
}

/** The most points an activity can earn within one period: a bot or a link scanner cannot make a lead an MQL. */
export interface EngagementCap {
  readonly points: number;
  readonly periodDays: number;
}

export interface EngagementRule {
  readonly id: string;
  readonly activity: EngagementActivity;
  readonly points: number;
  readonly cap: EngagementCap;
}

export interface ScoringModel {
  readonly version: string;
  readonly fit: { readonly rules: readonly FitRule[] };
  readonly engagement: {
    /** After this many days an activity's points count half. */
    readonly halfLifeDays: number;
    readonly rules: readonly EngagementRule[];
  };
  /** Checked in order: the first that matches is the reason given. */
  readonly disqualifiers: readonly Disqualifier[];
  /** A lead is marketing qualified when both axes reach their threshold. */
  readonly mql: { readonly fit: number; readonly engagement: number };
}

/** The model document is wrong: the message names where it came from and every rule at fault. */
export class InvalidScoringModelError extends InvalidConfigurationError {
  override name = 'InvalidScoringModelError';
}

/** LeadScoredData.breakdown carries at most this many contributions. */
export const MAX_BREAKDOWN_SIZE = 500;

/** Same bounds as the events that carry them (LeadDisqualified, ScoreContribution, LeadScored). */
const RULE_ID_LENGTH = 100;
const REASON_LENGTH = 500;
const MODEL_VERSION_LENGTH = 50;
const PATTERN_LENGTH = 500;
const MAX_LISTED_VALUES = 200;
const LISTED_VALUE_LENGTH = 200;
const CONDITION_KINDS: readonly ConditionKind[] = ['range', 'pattern', 'in', 'emailDomainIn'];

// The document's shape, as class-validator rules. Semantic checks that span fields follow in parseScoringModel.

class RangeDocument {
  @Optional() @IsNumber({ allowNaN: false, allowInfinity: false }) readonly min?: number;
  @Optional() @IsNumber({ allowNaN: false, allowInfinity: false }) readonly max?: number;
}

const ListedValues = (): PropertyDecorator => (target, propertyKey) =>
  [
    IsArray(),
    ArrayNotEmpty(),
    ArrayMaxSize(MAX_LISTED_VALUES),
    IsString({ each: true }),
    Length(1, LISTED_VALUE_LENGTH, { each: true }),
  ].forEach((decorate) => decorate(target, propertyKey));

class ConditionDocument {
  @IsIn(SCORING_FIELDS) readonly field!: ScoringField;
  @Optional() @Nested(() => RangeDocument) readonly range?: RangeDocument;
  @Optional() @Text(PATTERN_LENGTH) readonly pattern?: string;
  @Optional() @ListedValues() readonly in?: string[];
  @Optional() @ListedValues() readonly emailDomainIn?: string[];
}

class FitRuleDocument extends ConditionDocument {
  @Text(RULE_ID_LENGTH) readonly id!: string;
  @IsInt() readonly points!: number;
}

class DisqualifierDocument extends ConditionDocument {
  @Text(RULE_ID_LENGTH) readonly id!: string;
  @Text(REASON_LENGTH) readonly reason!: string;
}

class CapDocument {
  @IsInt() @IsPositive() readonly points!: number;
  @IsInt() @IsPositive() readonly periodDays!: number;
}

class EngagementRuleDocument {
  @Text(RULE_ID_LENGTH) readonly id!: string;
  @IsIn(ENGAGEMENT_ACTIVITIES) readonly activity!: EngagementActivity;
  @IsInt() @IsPositive() readonly points!: number;
  @Nested(() => CapDocument) readonly cap!: CapDocument;
}

/** Per list: far more than any model needs; a score lists at most MAX_BREAKDOWN_SIZE contributions anyway. */
const MAX_RULES = 500;

class FitDocument {
  @NestedList(() => FitRuleDocument, MAX_RULES) readonly rules!: FitRuleDocument[];
}

class EngagementDocument {
  @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() readonly halfLifeDays!: number;
  @NestedList(() => EngagementRuleDocument, MAX_RULES) readonly rules!: EngagementRuleDocument[];
}

class MqlDocument {
  @IsInt() readonly fit!: number;
  @IsInt() readonly engagement!: number;
}

class ScoringModelDocument {
  @Text(MODEL_VERSION_LENGTH) readonly version!: string;
  @Nested(() => FitDocument) readonly fit!: FitDocument;
  @Nested(() => EngagementDocument) readonly engagement!: EngagementDocument;
  @NestedList(() => DisqualifierDocument, MAX_RULES) readonly disqualifiers!: DisqualifierDocument[];
  @Nested(() => MqlDocument) readonly mql!: MqlDocument;
}

const RULE_LISTS = ['fit.rules', 'engagement.rules', 'disqualifiers'] as const;
type RuleList = (typeof RULE_LISTS)[number];

/**
 * Reads a scoring model document (parsed JSON). `origin` names where it came from, e.g. the file path, so
 * the error a wrong model stops the service with says where to look: every problem names the rule at fault.
 */
export function parseScoringModel(raw: unknown, origin: string): ScoringModel {
  const shapeProblems = validateAgainst(ScoringModelDocument, raw).map(({ path, reason }) =>
    describeAt(raw, path, reason),
  );
  if (shapeProblems.length > 0) throw new InvalidScoringModelError(origin, shapeProblems);
  // The shape holds, so the document is exactly a ScoringModelDocument.
  const document = raw as ScoringModelDocument;

  const problems: string[] = [];
  const fitRules = document.fit.rules.flatMap((rule, index): FitRule[] => {
    const condition = conditionOf(rule);
    if (typeof condition !== 'string') return [{ id: rule.id, condition, points: rule.points }];
    problems.push(ruleProblem(document, 'fit.rules', index, condition));
    return [];
  });
  const disqualifiers = document.disqualifiers.flatMap((rule, index): Disqualifier[] => {
    const condition = conditionOf(rule);
    if (typeof condition !== 'string') return [{ id: rule.id, condition, reason: rule.reason }];
    problems.push(ruleProblem(document, 'disqualifiers', index, condition));
    return [];
  });
  problems.push(...duplicateRuleIds(document), ...activitiesScoredTwice(document));

  const model: ScoringModel = {
    version: document.version,
    fit: { rules: fitRules },
    engagement: {
      halfLifeDays: document.engagement.halfLifeDays,
      rules: document.engagement.rules.map(({ id, activity, points, cap }) => ({
        id,
        activity,
        points,
        cap: { points: cap.points, periodDays: cap.periodDays },
      })),
    },
    disqualifiers,
    mql: { fit: document.mql.fit, engagement: document.mql.engagement },
  };
  const breakdownSize = worstCaseBreakdownSize(model);
  if (breakdownSize > MAX_BREAKDOWN_SIZE) {
    problems.push(
      `engagement: a score could list up to ${breakdownSize} contributions, more than the ${MAX_BREAKDOWN_SIZE} ` +
        'a LeadScored event carries: lower the caps, raise the points per activity, or shorten the half-life',
    );
  }
  if (problems.length > 0) throw new InvalidScoringModelError(origin, problems);
  return model;
}

/** The rule's condition, compiled; or what is wrong with it. */
function conditionOf(rule: ConditionDocument): Condition | string {
  const kinds = CONDITION_KINDS.filter((kind) => rule[kind] !== undefined);
  if (kinds.length === 0) return `needs a condition: one of ${CONDITION_KINDS.join(', ')}`;
  if (kinds.length > 1)
    return `has ${kinds.length} conditions (${kinds.join(', ')}); a rule tests exactly one`;
  const { field } = rule;
  const numeric = NUMERIC_FIELDS.includes(field);
  const kind = kinds[0];
  if (kind === 'range') {
    if (!numeric) return `range needs a numeric field (${NUMERIC_FIELDS.join(', ')}), not ${field}`;
    const { min, max } = rule.range ?? {};
    if (min === undefined && max === undefined) return 'range needs a min, a max, or both';
    if (min !== undefined && max !== undefined && min > max) return `range min ${min} is above max ${max}`;
    return { kind, field, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  }
  if (numeric) return `${kind} compares text; ${field} is a number: use range`;
  if (kind === 'pattern') {
    try {
      return { kind, field, pattern: new RegExp(rule.pattern ?? '', 'i') };
    } catch (error) {
      const detail = error instanceof Error ? error.message.replace(/^.*: /, '') : String(error);
      return `pattern is not a valid regular expression (${detail})`;
    }
  }
  if (kind === 'in') {
    const values = (rule.in ?? []).map((value) => value.toLowerCase());
    // A misspelt source would silently never match.
    const notASource =
      field === 'source' && values.find((value) => !(LEAD_SOURCES as readonly string[]).includes(value));
    if (notASource) return `in has "${notASource}", not a lead source (${LEAD_SOURCES.join(', ')})`;
    return { kind, field, values };
  }
  if (field !== 'contact.email') return `emailDomainIn reads an email address: contact.email, not ${field}`;
  const domains = (rule.emailDomainIn ?? []).map((domain) => domain.toLowerCase());
  const notADomain = domains.find((domain) => !/^[^@\s]+\.[^@\s.]+$/.test(domain));
  if (notADomain) return `emailDomainIn has "${notADomain}", not a domain such as gmail.com`;
  return { kind, field, domains };
}

/** Rule ids are unique across the whole model: a contribution's ruleId must name one rule. */
function duplicateRuleIds(document: ScoringModelDocument): string[] {
  const firstUse = new Map<string, string>();
  const problems: string[] = [];
  for (const list of RULE_LISTS) {
    rulesIn(document, list).forEach((rule, index) => {
      const earlier = firstUse.get(rule.id);
      if (earlier)
        problems.push(ruleProblem(document, list, index, `id "${rule.id}" is already used by ${earlier}`));
      else firstUse.set(rule.id, `${list}[${index}]`);
    });
  }
  return problems;
}

/** One rule per activity, so "the cap of an activity" means one thing and an activity is never counted twice. */
function activitiesScoredTwice(document: ScoringModelDocument): string[] {
  const ruleOf = new Map<EngagementActivity, string>();
  const problems: string[] = [];
  document.engagement.rules.forEach((rule, index) => {
    const earlier = ruleOf.get(rule.activity);
    if (earlier) {
      problems.push(
        ruleProblem(
          document,
          'engagement.rules',
          index,
          `activity ${rule.activity} is already scored by "${earlier}"`,
        ),
      );
    } else ruleOf.set(rule.activity, rule.id);
  });
  return problems;
}

/**
 * The most contributions a score can list, so a model that could produce a LeadScored the contract rejects is
 * refused at start instead. An event's decayed points round to zero once points * 0.5^(age / halfLife) < 0.5,
 * so only events of the last halfLife * log2(2 * points) days contribute; those fall into at most
 * floor(days / period) + 2 cap windows, each with at most ceil(cap / points) paying events. Events dated
 * after the moment of scoring do not decay and are not bounded by this.
 */
export function worstCaseBreakdownSize(model: ScoringModel): number {
  const engagementParts = model.engagement.rules.reduce((sum, { points, cap }) => {
    const largestPart = Math.min(points, cap.points);
    const contributingDays = model.engagement.halfLifeDays * Math.log2(2 * largestPart);
    const windows = Math.floor(contributingDays / cap.periodDays) + 2;
    return sum + windows * Math.ceil(cap.points / points);
  }, 0);
  return model.fit.rules.length + engagementParts;
}

function rulesIn(document: ScoringModelDocument, list: RuleList): readonly { readonly id: string }[] {
  if (list === 'fit.rules') return document.fit.rules;
  if (list === 'engagement.rules') return document.engagement.rules;
  return document.disqualifiers;
}

/** `fit.rules[2] (id "title-senior"): <problem>` */
function ruleProblem(document: unknown, list: RuleList, index: number, problem: string): string {
  return `${ruleLocation(document, list, index)}: ${problem}`;
}

function ruleLocation(document: unknown, list: RuleList, index: number): string {
  const rule = valueAt(document, [...list.split('.'), String(index)]);
  const id = isRecord(rule) && typeof rule['id'] === 'string' ? ` (id "${rule['id']}")` : '';
  return `${list}[${index}]${id}`;
}

/** A shape issue, located: inside a rule it names the rule, elsewhere the path (`mql.fit must be ...`). */
function describeAt(document: unknown, path: string, reason: string): string {
  if (path === '') return `the model ${reason}`;
  const segments = path.split('.');
  for (const list of RULE_LISTS) {
    const listSegments = list.split('.');
    const index = segments[listSegments.length];
    const inList = listSegments.every((segment, position) => segments[position] === segment);
    if (inList && index !== undefined && /^\d+$/.test(index)) {
      const inside = readablePath(segments.slice(listSegments.length + 1));
      // class-validator names the property itself in rules on each element ("each value in in must be ...").
      const named = !inside || reason.startsWith('each value in ');
      return ruleProblem(document, list, Number(index), named ? reason : `${inside} ${reason}`);
    }
  }
  return `${readablePath(segments)} ${reason}`;
}
