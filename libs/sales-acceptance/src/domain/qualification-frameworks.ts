import {
  InvalidConfigurationError,
  isRecord,
  located,
  quoted,
  withoutEchoes,
  listItemLocation,
  NestedList,
  Optional,
  Text,
  validateAgainst,
  type CriterionValue as RecordedCriterionValue,
} from '@leadledger/contracts';
import { ArrayNotEmpty, IsIn, IsInt, IsObject, IsString, Matches, Min } from 'class-validator';

/*
 * How sales qualifies a lead it accepted: the frameworks (BANT, pain-interest-fit, ...) with their criteria
 * and how many must be met, which framework applies to which segment, and whether a qualified lead becomes
 * an opportunity by itself. It lives in config/ as JSON, beside the sales team config whose size bands name
 * the segments.
 */

/** What evidence of a criterion may carry beyond text: a budget an amount, a timeline a date. */
export type CriterionCarries = 'amount' | 'date';

export interface Criterion {
  readonly id: string;
  readonly carries?: CriterionCarries;
}

export interface QualificationFramework {
  readonly id: string;
  readonly criteria: readonly Criterion[];
  /** How many criteria must be met for the lead to be qualified. */
  readonly minimumMet: number;
}

export type ConversionMode = 'automatic' | 'on_request';

export interface QualificationConfig {
  readonly version: string;
  readonly frameworks: readonly QualificationFramework[];
  /** segment id (a size band id of the sales team config) -> framework id */
  readonly bySegment: Readonly<Record<string, string>>;
  /** applies to segments not in bySegment and to leads of unknown size */
  readonly defaultFramework: string;
  /** automatic: LeadConvertedToOpportunity right after LeadQualified; on_request: when the rep asks */
  readonly conversion: ConversionMode;
}

/** The config document is wrong: the message names the file and every rule at fault. */
export class InvalidQualificationConfigError extends InvalidConfigurationError {
  override name = 'InvalidQualificationConfigError';
}

const CRITERION_CARRIES: readonly CriterionCarries[] = ['amount', 'date'];
const CONVERSION_MODES: readonly ConversionMode[] = ['automatic', 'on_request'];
/** The bounds of `framework` and `criterion` in LeadQualificationRecorded. */
const FRAMEWORK_ID = /^[a-z][a-z0-9-]{0,49}$/;
const CRITERION_ID = /^[a-z][a-z0-9_-]{0,99}$/;
/** LeadQualified and LeadConvertedToOpportunity carry at most 50 criteria. */
const MAX_CRITERIA = 50;
const MAX_FRAMEWORKS = 50;
const VERSION_LENGTH = 50;

// The document's shape, as class-validator rules. Checks that span fields follow in parseQualificationConfig.

class CriterionDocument {
  @Matches(CRITERION_ID, {
    message: '$property must be lower-case letters, digits, _ and -, starting with a letter, up to 100',
  })
  readonly id!: string;
  @Optional() @IsIn(CRITERION_CARRIES) readonly carries?: CriterionCarries;
}

class FrameworkDocument {
  @Matches(FRAMEWORK_ID, {
    message: '$property must be lower-case letters, digits and hyphens, starting with a letter, up to 50',
  })
  readonly id!: string;
  @ArrayNotEmpty()
  @NestedList(() => CriterionDocument, MAX_CRITERIA)
  readonly criteria!: CriterionDocument[];
  @IsInt() @Min(1) readonly minimumMet!: number;
}

class QualificationConfigDocument {
  @Text(VERSION_LENGTH) readonly version!: string;
  @ArrayNotEmpty()
  @NestedList(() => FrameworkDocument, MAX_FRAMEWORKS)
  readonly frameworks!: FrameworkDocument[];
  /** Keys are segments, values framework ids: both checked against what they name afterwards. */
  @IsObject() readonly bySegment!: Record<string, unknown>;
  @IsString() readonly defaultFramework!: string;
  @IsIn(CONVERSION_MODES) readonly conversion!: ConversionMode;
}

/**
 * Reads a qualification config document (parsed JSON). `source` names where it came from, e.g. the file
 * path; `knownSegments` are the size band ids of the sales team config, the only segments bySegment may name.
 */
export function parseQualificationConfig(
  raw: unknown,
  source: string,
  knownSegments: readonly string[],
): QualificationConfig {
  const shapeIssues = withoutEchoes(validateAgainst(QualificationConfigDocument, raw)).map(
    ({ path, reason }) => describeAt(raw, path, reason),
  );
  if (shapeIssues.length > 0) throw new InvalidQualificationConfigError(source, shapeIssues);
  // The shape holds, so the document is exactly a QualificationConfigDocument.
  const document = raw as QualificationConfigDocument;

  const frameworkIds = document.frameworks.map(({ id }) => id);
  const issues = [
    ...document.frameworks.flatMap((framework, index) =>
      frameworkIssues(framework).map((issue) => `${frameworkLocation(framework, index)}: ${issue}`),
    ),
    ...duplicateFrameworkIds(document.frameworks),
  ];
  // A null prototype: a segment named like an Object.prototype member reads as no entry, not as a function.
  const bySegment: Record<string, string> = Object.create(null);
  for (const [segment, frameworkId] of Object.entries(document.bySegment)) {
    const at = `bySegment.${segment}`;
    if (!knownSegments.includes(segment)) {
      issues.push(
        `${at}: ${quoted(segment)} is not a size band of the sales team config (${listed(knownSegments)})`,
      );
    }
    if (typeof frameworkId !== 'string')
      issues.push(`${at} must be a framework id (${listed(frameworkIds)})`);
    else if (!frameworkIds.includes(frameworkId)) {
      issues.push(`${at} ${quoted(frameworkId)} is no framework (${listed(frameworkIds)})`);
    } else bySegment[segment] = frameworkId;
  }
  if (!frameworkIds.includes(document.defaultFramework)) {
    issues.push(
      `defaultFramework ${quoted(document.defaultFramework)} is no framework (${listed(frameworkIds)})`,
    );
  }
  if (issues.length > 0) throw new InvalidQualificationConfigError(source, issues);

  return {
    version: document.version,
    frameworks: document.frameworks.map(({ id, criteria, minimumMet }) => ({
      id,
      criteria: criteria.map((criterion) => ({
        id: criterion.id,
        ...(criterion.carries !== undefined ? { carries: criterion.carries } : {}),
      })),
      minimumMet,
    })),
    bySegment,
    defaultFramework: document.defaultFramework,
    conversion: document.conversion,
  };
}

function frameworkIssues(framework: FrameworkDocument): string[] {
  const issues: string[] = [];
  if (framework.minimumMet > framework.criteria.length) {
    issues.push(
      `minimumMet ${framework.minimumMet} is more than its ${framework.criteria.length} criteria: ` +
        'no lead could ever qualify',
    );
  }
  const firstUse = new Map<string, number>();
  framework.criteria.forEach((criterion, index) => {
    const earlier = firstUse.get(criterion.id);
    if (earlier !== undefined) {
      issues.push(`criteria[${index}] ${quoted(criterion.id)} is already criteria[${earlier}]`);
    } else firstUse.set(criterion.id, index);
  });
  // The opportunity opens with one amount and one expected date: two sources for either would be ambiguous.
  for (const carries of CRITERION_CARRIES) {
    const carriers = framework.criteria
      .map((criterion, index) => ({ criterion, index }))
      .filter(({ criterion }) => criterion.carries === carries);
    carriers
      .slice(1)
      .forEach(({ criterion, index }) =>
        issues.push(
          `criteria[${index}] ${quoted(criterion.id)} carries ${carries}, as criteria[${carriers[0].index}] ` +
            `${quoted(carriers[0].criterion.id)} does already: at most one criterion carries ${carries}`,
        ),
      );
  }
  return issues;
}

function duplicateFrameworkIds(frameworks: readonly FrameworkDocument[]): string[] {
  const firstUse = new Map<string, number>();
  return frameworks.flatMap((framework, index) => {
    const earlier = firstUse.get(framework.id);
    if (earlier === undefined) {
      firstUse.set(framework.id, index);
      return [];
    }
    return [`${frameworkLocation(framework, index)}: id is already used by frameworks[${earlier}]`];
  });
}

/** The framework for a lead of this segment (undefined: unknown size). */
export function frameworkFor(
  config: QualificationConfig,
  segment: string | undefined,
): QualificationFramework {
  const id =
    segment !== undefined && Object.hasOwn(config.bySegment, segment)
      ? config.bySegment[segment]
      : config.defaultFramework;
  const framework = frameworkById(config, id);
  // parseQualificationConfig refuses a config that names a missing framework; only a hand-made one gets here.
  if (!framework) throw new Error(`the qualification config names framework "${id}" but has none`);
  return framework;
}

export function frameworkById(config: QualificationConfig, id: string): QualificationFramework | undefined {
  return config.frameworks.find((framework) => framework.id === id);
}

/** The values LeadQualificationRecorded carries. */
export type CriterionValue = RecordedCriterionValue;

export interface FrameworkStatus {
  readonly satisfied: boolean;
  readonly met: readonly string[];
  /** criteria not met, in framework order */
  readonly unmet: readonly string[];
  /** how many more must be met */
  readonly missing: number;
}

/** values: criterion id -> latest recorded value (absent = unknown) */
export function frameworkStatus(
  framework: QualificationFramework,
  values: Readonly<Record<string, CriterionValue | undefined>>,
): FrameworkStatus {
  const isMet = ({ id }: Criterion) => Object.hasOwn(values, id) && values[id] === 'met';
  const met = framework.criteria.filter(isMet).map(({ id }) => id);
  const unmet = framework.criteria.filter((criterion) => !isMet(criterion)).map(({ id }) => id);
  const missing = Math.max(0, framework.minimumMet - met.length);
  return { satisfied: missing === 0, met, unmet, missing };
}

function frameworkLocation(framework: unknown, index: number): string {
  return listItemLocation('frameworks', framework, index);
}

function listed(values: readonly string[]): string {
  return values.length > 0 ? values.join(', ') : 'none';
}

/** A shape issue, located: inside a framework it names it (`frameworks[0] "bant": criteria[1].id must ...`). */
function describeAt(document: unknown, path: string, reason: string): string {
  if (path === '') return `the config ${reason}`;
  const segments = path.split('.');
  const [list, index, ...inside] = segments;
  if (list === 'frameworks' && index !== undefined && /^\d+$/.test(index)) {
    const frameworks = isRecord(document) ? document['frameworks'] : undefined;
    const location = frameworkLocation(
      Array.isArray(frameworks) ? frameworks[Number(index)] : undefined,
      Number(index),
    );
    return inside.length === 0 ? `${location} ${reason}` : `${location}: ${located(inside, reason)}`;
  }
  return located(segments, reason);
}
