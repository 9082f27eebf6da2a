import { FORECAST_CATEGORIES, type ForecastCategory } from '../events/opportunity-events';
import { NestedList, Optional, Text } from '../events/field-rules';
import {
  InvalidConfigurationError,
  listItemLocation,
  located,
  quoted,
  valueAt,
  withoutEchoes,
} from '../config-issues';
import { validateAgainst } from '../validation';
import { ArrayNotEmpty, IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';

/*
 * The stage pipelines opportunities move through: per pipeline its open stages in order, each with a default
 * probability and forecast category and what must be known before an opportunity leaves it forward, then the
 * won and the lost stage that close it. It lives in config/ as JSON, like the sales configs.
 */

/** The fields of an opportunity an exit criterion can require. */
export type RequiredField = 'amount' | 'expectedCloseDate';

/** What must be known before an opportunity may leave a stage forward. */
export type ExitCriterion =
  | { readonly kind: 'field'; readonly field: RequiredField }
  /** Met when the qualification evidence carried from the lead has this criterion `met`. */
  | { readonly kind: 'evidence'; readonly criterion: string; readonly description?: string };

export type StageOutcome = 'won' | 'lost';

export interface Stage {
  readonly id: string;
  /** The default win probability an opportunity takes on entering the stage. */
  readonly probability: number;
  readonly forecastCategory: ForecastCategory;
  readonly exitCriteria: readonly ExitCriterion[];
  /** Closing stages: won (probability 100, category closed) or lost (probability 0, category omitted). */
  readonly outcome?: StageOutcome;
}

export interface Pipeline {
  readonly id: string;
  readonly name: string;
  /** Open stages in order, then exactly one won and one lost stage (last two). */
  readonly stages: readonly Stage[];
  /** Expected close date of an opportunity opened without one: opening date + this many days. */
  readonly defaultCloseDays: number;
}

export interface PipelinesConfig {
  readonly version: string;
  readonly pipelines: readonly Pipeline[];
  /** The pipeline of a lead's conversion; imports may name another. */
  readonly defaultPipeline: string;
}

/** The config document is wrong: the message names the file and every rule at fault. */
export class InvalidPipelinesConfigError extends InvalidConfigurationError {
  override name = 'InvalidPipelinesConfigError';
}

const REQUIRED_FIELDS: readonly RequiredField[] = ['amount', 'expectedCloseDate'];
const STAGE_OUTCOMES: readonly StageOutcome[] = ['won', 'lost'];
const PIPELINE_ID = /^[a-z][a-z0-9-]{0,49}$/;
/** Stage ids are the `stage` of opportunity events, which holds up to 50 characters. */
const STAGE_ID = /^[a-z][a-z0-9_-]{0,49}$/;
/** The bounds of a qualification criterion id, which an evidence criterion names. */
const EVIDENCE_CRITERION_ID = /^[a-z][a-z0-9_-]{0,99}$/;
const MAX_PIPELINES = 20;
const MAX_STAGES = 30;
const MAX_EXIT_CRITERIA = 10;
const MAX_DEFAULT_CLOSE_DAYS = 3650;
const VERSION_LENGTH = 50;
const NAME_LENGTH = 100;
const DESCRIPTION_LENGTH = 200;

/** What closes an opportunity for good, and so what the won and lost stages must say. */
const CLOSING: Readonly<Record<StageOutcome, { probability: number; forecastCategory: ForecastCategory }>> = {
  won: { probability: 100, forecastCategory: 'closed' },
  lost: { probability: 0, forecastCategory: 'omitted' },
};

// The document's shape, as class-validator rules. Checks that span fields follow in parsePipelinesConfig.

/** Either `{ "requires": "amount" }` or `{ "evidence": "authority", "description"?: "..." }`. */
class ExitCriterionDocument {
  @Optional() @IsIn(REQUIRED_FIELDS) readonly requires?: RequiredField;
  @Optional()
  @Matches(EVIDENCE_CRITERION_ID, {
    message:
      '$property must be a qualification criterion id: lower-case letters, digits, _ and -, starting with a letter, up to 100',
  })
  readonly evidence?: string;
  @Optional() @Text(DESCRIPTION_LENGTH) readonly description?: string;
}

class StageDocument {
  @Matches(STAGE_ID, {
    message: '$property must be lower-case letters, digits, _ and -, starting with a letter, up to 50',
  })
  readonly id!: string;
  @IsInt() @Min(0) @Max(100) readonly probability!: number;
  @IsIn(FORECAST_CATEGORIES) readonly forecastCategory!: ForecastCategory;
  /** Absent: nothing is needed to leave the stage. */
  @Optional()
  @NestedList(() => ExitCriterionDocument, MAX_EXIT_CRITERIA)
  readonly exitCriteria?: ExitCriterionDocument[];
  @Optional() @IsIn(STAGE_OUTCOMES) readonly outcome?: StageOutcome;
}

class PipelineDocument {
  @Matches(PIPELINE_ID, {
    message: '$property must be lower-case letters, digits and hyphens, starting with a letter, up to 50',
  })
  readonly id!: string;
  @Text(NAME_LENGTH) readonly name!: string;
  @NestedList(() => StageDocument, MAX_STAGES) readonly stages!: StageDocument[];
  @IsInt() @Min(1) @Max(MAX_DEFAULT_CLOSE_DAYS) readonly defaultCloseDays!: number;
}

class PipelinesConfigDocument {
  @Text(VERSION_LENGTH) readonly version!: string;
  @ArrayNotEmpty()
  @NestedList(() => PipelineDocument, MAX_PIPELINES)
  readonly pipelines!: PipelineDocument[];
  @IsString() readonly defaultPipeline!: string;
}

/**
 * Reads a pipelines config document (parsed JSON). `source` names where it came from, e.g. the file path, so
 * the error a wrong config stops the service with says where to look, and every issue names the pipeline and
 * stage at fault.
 */
export function parsePipelinesConfig(raw: unknown, source: string): PipelinesConfig {
  const shapeIssues = withoutEchoes(validateAgainst(PipelinesConfigDocument, raw)).map(({ path, reason }) =>
    describeAt(raw, path, reason),
  );
  if (shapeIssues.length > 0) throw new InvalidPipelinesConfigError(source, shapeIssues);
  // The shape holds, so the document is exactly a PipelinesConfigDocument.
  const document = raw as PipelinesConfigDocument;

  const pipelineIds = document.pipelines.map(({ id }) => id);
  const issues = [
    ...document.pipelines.flatMap((pipeline, index) =>
      pipelineIssues(pipeline).map((issue) => `${pipelineLocation(pipeline, index)}: ${issue}`),
    ),
    ...duplicateIds(document.pipelines).map(
      ({ index, earlier }) =>
        `${pipelineLocation(document.pipelines[index], index)}: id is already used by pipelines[${earlier}]`,
    ),
  ];
  if (!pipelineIds.includes(document.defaultPipeline)) {
    issues.push(
      `defaultPipeline ${quoted(document.defaultPipeline)} is no pipeline (${pipelineIds.join(', ')})`,
    );
  }
  if (issues.length > 0) throw new InvalidPipelinesConfigError(source, issues);

  return {
    version: document.version,
    pipelines: document.pipelines.map(({ id, name, stages, defaultCloseDays }) => ({
      id,
      name,
      stages: stages.map(stageOfDocument),
      defaultCloseDays,
    })),
    defaultPipeline: document.defaultPipeline,
  };
}

function stageOfDocument(stage: StageDocument): Stage {
  return {
    id: stage.id,
    probability: stage.probability,
    forecastCategory: stage.forecastCategory,
    exitCriteria: (stage.exitCriteria ?? []).map(criterionOfDocument),
    ...(stage.outcome !== undefined ? { outcome: stage.outcome } : {}),
  };
}

/** Only for a criterion exitCriterionIssues found nothing wrong with: exactly one of requires and evidence. */
function criterionOfDocument(criterion: ExitCriterionDocument): ExitCriterion {
  if (criterion.requires !== undefined) return { kind: 'field', field: criterion.requires };
  return {
    kind: 'evidence',
    criterion: criterion.evidence as string,
    ...(criterion.description !== undefined ? { description: criterion.description } : {}),
  };
}

function pipelineIssues(pipeline: PipelineDocument): string[] {
  const { stages } = pipeline;
  const issues = duplicateIds(stages).map(
    ({ index, earlier }) =>
      `${stageLocation(stages[index], index)}: id is already used by stages[${earlier}]`,
  );

  const openIndexes = stages.flatMap((stage, index) => (stage.outcome === undefined ? [index] : []));
  if (openIndexes.length === 0) {
    issues.push('has no open stage: an opportunity opens in the first stage, which is neither won nor lost');
  }
  for (const outcome of STAGE_OUTCOMES) {
    const indexes = stages.flatMap((stage, index) => (stage.outcome === outcome ? [index] : []));
    if (indexes.length === 0) issues.push(`has no ${outcome} stage (outcome "${outcome}")`);
    indexes
      .slice(1)
      .forEach((index) =>
        issues.push(
          `${stageLocation(stages[index], index)} is a second ${outcome} stage, after ` +
            `${stageLocation(stages[indexes[0]], indexes[0])}: a pipeline has exactly one`,
        ),
      );
  }
  // Moving forward means moving along the order: a closing stage amid open ones would end it halfway.
  const lastOpen = openIndexes[openIndexes.length - 1];
  stages.forEach((stage, index) => {
    if (stage.outcome !== undefined && lastOpen !== undefined && index < lastOpen) {
      issues.push(
        `${stageLocation(stage, index)} is a closing stage before the open stage ` +
          `${stageLocation(stages[lastOpen], lastOpen)}: the won and lost stages come last`,
      );
    }
  });

  let previousOpen: number | undefined;
  stages.forEach((stage, index) => {
    const at = stageLocation(stage, index);
    issues.push(...exitCriteriaIssues(stage.exitCriteria ?? []).map((issue) => `${at}: ${issue}`));
    if (stage.outcome !== undefined) {
      issues.push(...closingStageIssues(stage, stage.outcome).map((issue) => `${at}: ${issue}`));
      return;
    }
    if (stage.probability >= 100) {
      issues.push(`${at}: probability ${stage.probability} is the won stage's; an open stage is below 100`);
    }
    if (stage.forecastCategory === 'closed') {
      issues.push(`${at}: forecastCategory "closed" is the won stage's; an open stage is not closed yet`);
    }
    // The further along, the likelier the win: a lower default later on would read as moving backwards.
    if (previousOpen !== undefined && stage.probability < stages[previousOpen].probability) {
      issues.push(
        `${at}: probability ${stage.probability} is below the ${stages[previousOpen].probability} of ` +
          `${stageLocation(stages[previousOpen], previousOpen)} before it: open stages' probabilities ` +
          'must not decrease along the order',
      );
    }
    previousOpen = index;
  });
  return issues;
}

function closingStageIssues(stage: StageDocument, outcome: StageOutcome): string[] {
  const { probability, forecastCategory } = CLOSING[outcome];
  const issues: string[] = [];
  if (stage.probability !== probability) {
    issues.push(`a ${outcome} stage has probability ${probability}, not ${stage.probability}`);
  }
  if (stage.forecastCategory !== forecastCategory) {
    issues.push(
      `a ${outcome} stage has forecastCategory ${quoted(forecastCategory)}, not ${quoted(stage.forecastCategory)}`,
    );
  }
  if ((stage.exitCriteria ?? []).length > 0) {
    issues.push(`a ${outcome} stage has no exitCriteria: no stage follows it`);
  }
  return issues;
}

function exitCriteriaIssues(criteria: readonly ExitCriterionDocument[]): string[] {
  const issues: string[] = [];
  const firstUse = new Map<string, number>();
  criteria.forEach((criterion, index) => {
    const at = `exitCriteria[${index}]`;
    const hasRequires = criterion.requires !== undefined;
    const hasEvidence = criterion.evidence !== undefined;
    if (hasRequires === hasEvidence) {
      issues.push(
        `${at} must have either requires (a field) or evidence (a qualification criterion), ` +
          (hasRequires ? 'not both' : 'found neither'),
      );
      return;
    }
    if (hasRequires && criterion.description !== undefined) {
      issues.push(`${at}.description describes evidence only; requires ${criterion.requires} says it all`);
    }
    const key = hasRequires
      ? `requires ${criterion.requires}`
      : `evidence ${quoted(criterion.evidence as string)}`;
    const earlier = firstUse.get(key);
    if (earlier !== undefined) issues.push(`${at} ${key} is already exitCriteria[${earlier}]`);
    else firstUse.set(key, index);
  });
  return issues;
}

/** Each id used before, with the index of its first use. */
function duplicateIds(items: readonly { readonly id: string }[]): { index: number; earlier: number }[] {
  const firstUse = new Map<string, number>();
  return items.flatMap(({ id }, index) => {
    const earlier = firstUse.get(id);
    if (earlier !== undefined) return [{ index, earlier }];
    firstUse.set(id, index);
    return [];
  });
}

function pipelineLocation(pipeline: unknown, index: number): string {
  return listItemLocation('pipelines', pipeline, index);
}

function stageLocation(stage: unknown, index: number): string {
  return listItemLocation('stages', stage, index);
}

/** The lists whose items have ids, outermost first: a path into them names each item it passes. */
const NAMED_LISTS = ['pipelines', 'stages'] as const;

/**
 * A shape issue, located: inside a pipeline and stage it names both
 * (`pipelines[0] "new-business": stages[2] "negotiation": probability must ...`).
 */
function describeAt(document: unknown, path: string, reason: string): string {
  if (path === '') return `the config ${reason}`;
  const segments = path.split('.');
  const locations: string[] = [];
  let consumed = 0;
  for (const list of NAMED_LISTS) {
    const index = segments[consumed + 1];
    if (segments[consumed] !== list || index === undefined || !/^\d+$/.test(index)) break;
    consumed += 2;
    locations.push(listItemLocation(list, valueAt(document, segments.slice(0, consumed)), Number(index)));
  }
  const inside = segments.slice(consumed);
  if (locations.length === 0) return located(segments, reason);
  const location = locations.join(': ');
  return inside.length === 0 ? `${location} ${reason}` : `${location}: ${located(inside, reason)}`;
}

// Reading a pipeline.

export function pipelineById(config: PipelinesConfig, id: string): Pipeline | undefined {
  return config.pipelines.find((pipeline) => pipeline.id === id);
}

export function stageOf(pipeline: Pipeline, stageId: string): Stage | undefined {
  return pipeline.stages.find((stage) => stage.id === stageId);
}

/** Index in the pipeline's order; -1 when absent. */
export function stageIndex(pipeline: Pipeline, stageId: string): number {
  return pipeline.stages.findIndex((stage) => stage.id === stageId);
}

/** The stage an opportunity opens in. */
export function firstStage(pipeline: Pipeline): Stage {
  const [first] = pipeline.stages;
  // parsePipelinesConfig refuses a pipeline without an open stage; only a hand-made one gets here.
  if (first === undefined || first.outcome !== undefined) {
    throw new Error(`pipeline "${pipeline.id}" has no open stage`);
  }
  return first;
}

export function wonStage(pipeline: Pipeline): Stage {
  return closingStage(pipeline, 'won');
}

export function lostStage(pipeline: Pipeline): Stage {
  return closingStage(pipeline, 'lost');
}

function closingStage(pipeline: Pipeline, outcome: StageOutcome): Stage {
  const stage = pipeline.stages.find((candidate) => candidate.outcome === outcome);
  // parsePipelinesConfig refuses a pipeline without one; only a hand-made one gets here.
  if (!stage) throw new Error(`pipeline "${pipeline.id}" has no ${outcome} stage`);
  return stage;
}

const CONFIDENCE: Readonly<Record<ForecastCategory, number>> = {
  omitted: 0,
  pipeline: 1,
  best_case: 2,
  commit: 3,
  closed: 4,
};

/** How sure a category is, for "the stage's default would be higher-confidence". */
export function confidenceOf(category: ForecastCategory): number {
  return CONFIDENCE[category];
}

// Exit criteria.

/** What an opportunity has, as far as exit criteria ask. */
export interface OpportunityFacts {
  readonly hasAmount: boolean;
  readonly hasExpectedCloseDate: boolean;
  /** Qualification criteria carried from the lead as `met`. */
  readonly evidenceMet: ReadonlySet<string>;
}

/** A criterion in words, for a 422: `amount`, `evidence: authority (an identified decision maker)`. */
export function describeCriterion(criterion: ExitCriterion): string {
  if (criterion.kind === 'field') return criterion.field;
  const description = criterion.description !== undefined ? ` (${criterion.description})` : '';
  return `evidence: ${criterion.criterion}${description}`;
}

/** What an opportunity lacks to leave `stage` forward: each unmet criterion once, in the stage's order. */
export function unmetExitCriteria(stage: Stage, facts: OpportunityFacts): string[] {
  // A hand-made stage may list a criterion twice, perhaps described differently: it is still one criterion.
  const unmet = new Map<string, ExitCriterion>();
  for (const criterion of stage.exitCriteria) {
    const key = criterion.kind === 'field' ? `field:${criterion.field}` : `evidence:${criterion.criterion}`;
    if (!unmet.has(key) && !isMet(criterion, facts)) unmet.set(key, criterion);
  }
  return [...unmet.values()].map(describeCriterion);
}

function isMet(criterion: ExitCriterion, facts: OpportunityFacts): boolean {
  if (criterion.kind === 'evidence') return facts.evidenceMet.has(criterion.criterion);
  return criterion.field === 'amount' ? facts.hasAmount : facts.hasExpectedCloseDate;
}
