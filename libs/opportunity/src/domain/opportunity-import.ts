import {
  CalendarDate,
  ExternalRef,
  Instant,
  Nested,
  NestedList,
  OPPORTUNITY_LOSS_REASONS,
  Optional,
  Text,
  moneyFromDecimal,
  validateAgainst,
  type Money,
  type OpportunityEvent,
  type OpportunityLossReason,
  type ValidationIssue,
} from '@leadledger/contracts';
import { deriveId } from '@leadledger/eventsourcing';
import { ArrayNotEmpty, IsIn, IsISO4217CurrencyCode, IsUppercase, Matches } from 'class-validator';
import { pipelineById, stageOf, type Pipeline, type PipelinesConfig } from '@leadledger/contracts';

/*
 * One line of a CRM history import: an opportunity as another system recorded it, stages with the
 * times it entered them, and how it ended. It becomes the events it would have produced here, each at
 * its own past business time.
 */

const DECIMAL = /^\d{1,16}(\.\d{1,4})?$/;
const DECIMAL_MESSAGE = '$property must be a decimal string such as "125000.00"';
const DAY_MS = 24 * 60 * 60 * 1000;

export class StageEntry {
  @Text(100) readonly stage!: string;
  @Instant() readonly at!: string;
}

export class OpportunityImportLine {
  /** Its record in the CRM: imports are idempotent by it. */
  @Nested(() => ExternalRef) readonly externalRef!: ExternalRef;
  /** The lead it came from, as lead intake received it (`externalRef` of the lead). */
  @Optional() @Nested(() => ExternalRef) readonly lead?: ExternalRef;
  @Optional() @Text(200) readonly account?: string;
  @Optional() @Text(200) readonly product?: string;
  @Text(200) readonly owner!: string;
  @Optional() @Text(50) readonly pipeline?: string;
  @IsISO4217CurrencyCode() @IsUppercase() readonly currency!: string;
  @Optional() @Matches(DECIMAL, { message: DECIMAL_MESSAGE }) readonly amount?: string;
  @Instant() readonly openedAt!: string;
  @ArrayNotEmpty() @NestedList(() => StageEntry, 100) readonly stageHistory!: StageEntry[];
  @IsIn(['open', 'won', 'lost']) readonly status!: 'open' | 'won' | 'lost';
  @Optional() @CalendarDate() readonly closedAt?: string;
  @Optional() @Matches(DECIMAL, { message: DECIMAL_MESSAGE }) readonly closeAmount?: string;
  @Optional() @IsIn(OPPORTUNITY_LOSS_REASONS) readonly lossReason?: OpportunityLossReason;
  @Optional() @CalendarDate() readonly expectedCloseDate?: string;
}

/** The CRM's stage names -> the pipeline's stage ids, for histories named otherwise. */
export type StageMap = Readonly<Record<string, string>>;

export interface ImportedEvent {
  readonly event: OpportunityEvent;
  /** When it happened, in the CRM's history. */
  readonly occurredAt: string;
}

export type ImportPlan =
  | { readonly ok: true; readonly opportunityId: string; readonly events: readonly ImportedEvent[] }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/** The same CRM record always becomes the same opportunity. */
export function importedOpportunityIdOf(ref: { readonly system: string; readonly id: string }): string {
  return deriveId('imported-opportunity', `${ref.system.trim().toLowerCase()}\n${ref.id.trim()}`);
}

/**
 * What a line becomes, or every reason it cannot: its stages mapped and found in the pipeline, its
 * history in time order after the opening, its amounts exact, its end consistent with its status.
 * Exit criteria are not applied: this is what happened, not a request to move.
 */
export function planImport(
  raw: unknown,
  config: PipelinesConfig,
  stageMap: StageMap = {},
  leadId?: string,
): ImportPlan {
  const shapeIssues = validateAgainst(OpportunityImportLine, raw);
  if (shapeIssues.length > 0) return { ok: false, issues: shapeIssues };
  const line = raw as OpportunityImportLine;
  const issues: ValidationIssue[] = [];
  const pipeline = pipelineById(config, line.pipeline ?? config.defaultPipeline);
  if (!pipeline) return { ok: false, issues: [{ path: 'pipeline', reason: `is not a configured pipeline` }] };

  const stages = line.stageHistory.map(({ stage, at }, index) => {
    const id = Object.hasOwn(stageMap, stage) ? stageMap[stage] : stage;
    const found = stageOf(pipeline, id);
    if (!found) {
      issues.push({
        path: `stageHistory.${index}.stage`,
        reason: `${JSON.stringify(stage)} is not a stage of ${pipeline.id}${id !== stage ? ` (mapped to ${JSON.stringify(id)})` : ''}; map it with stageMap`,
      });
    }
    return { stage: found, at };
  });
  const openedAt = Date.parse(line.openedAt);
  stages.forEach(({ at }, index) => {
    if (Date.parse(at) < openedAt)
      issues.push({ path: `stageHistory.${index}.at`, reason: 'is before openedAt' });
    if (index > 0 && Date.parse(at) < Date.parse(stages[index - 1].at)) {
      issues.push({ path: `stageHistory.${index}.at`, reason: 'is before the stage before it' });
    }
  });
  const amount = moneyOf(line.amount, line.currency, 'amount', issues);
  const closeAmount = moneyOf(line.closeAmount, line.currency, 'closeAmount', issues);
  issues.push(...endIssues(line, amount, closeAmount));
  if (issues.length > 0) return { ok: false, issues };

  const open = stages.filter((entry): entry is { stage: NonNullable<typeof entry.stage>; at: string } =>
    Boolean(entry.stage && !entry.stage.outcome),
  );
  const opportunityId = importedOpportunityIdOf(line.externalRef);
  const first = open[0]?.stage ?? pipeline.stages[0];
  const events: ImportedEvent[] = [
    {
      occurredAt: line.openedAt,
      event: {
        type: 'OpportunityOpened',
        data: {
          opportunityId,
          ...(leadId ? { leadId } : {}),
          name: nameOf(line),
          ...(line.account ? { account: line.account } : {}),
          owner: line.owner,
          pipeline: pipeline.id,
          stage: first.id,
          probability: first.probability,
          ...(amount ? { amount } : {}),
          expectedCloseDate: expectedCloseDateOf(line, pipeline),
          forecastCategory: first.forecastCategory,
        },
      },
    },
  ];
  let current = first;
  for (const { stage, at } of open.slice(1)) {
    if (stage.id === current.id) continue;
    events.push({
      occurredAt: at,
      event: {
        type: 'OpportunityStageChanged',
        data: {
          opportunityId,
          from: current.id,
          to: stage.id,
          probability: stage.probability,
          forecastCategory: stage.forecastCategory,
        },
      },
    });
    current = stage;
  }
  const closedOn = line.closedAt as string;
  if (line.status === 'won') {
    events.push({
      occurredAt: `${closedOn}T00:00:00.000Z`,
      event: {
        type: 'OpportunityWon',
        data: { opportunityId, amount: (closeAmount ?? amount) as Money, closedOn },
      },
    });
  }
  if (line.status === 'lost') {
    events.push({
      occurredAt: `${closedOn}T00:00:00.000Z`,
      event: {
        type: 'OpportunityLost',
        data: { opportunityId, reason: line.lossReason as OpportunityLossReason, closedOn },
      },
    });
  }
  return { ok: true, opportunityId, events };
}

function endIssues(line: OpportunityImportLine, amount?: Money, closeAmount?: Money): ValidationIssue[] {
  if (line.status === 'open') {
    return line.closedAt
      ? [{ path: 'closedAt', reason: 'is for a won or lost opportunity, not an open one' }]
      : [];
  }
  const issues: ValidationIssue[] = [];
  if (!line.closedAt)
    issues.push({ path: 'closedAt', reason: `is required for a ${line.status} opportunity` });
  else if (Date.parse(`${line.closedAt}T23:59:59.999Z`) < Date.parse(line.openedAt)) {
    issues.push({ path: 'closedAt', reason: 'is before openedAt' });
  }
  if (line.status === 'won' && !closeAmount && !amount) {
    issues.push({ path: 'closeAmount', reason: 'is required for a won opportunity without an amount' });
  }
  if (line.status === 'lost' && !line.lossReason)
    issues.push({ path: 'lossReason', reason: 'is required for a lost opportunity' });
  return issues;
}

function moneyOf(
  value: string | undefined,
  currency: string,
  path: string,
  issues: ValidationIssue[],
): Money | undefined {
  if (value === undefined) return undefined;
  const money = moneyFromDecimal(value, currency);
  if (!money || money.amountMinor <= 0) {
    issues.push({ path, reason: `must be more than 0, with no more decimals than ${currency} has` });
    return undefined;
  }
  return money;
}

function nameOf(line: OpportunityImportLine): string {
  const who = line.account ?? `${line.externalRef.system} ${line.externalRef.id}`;
  return (line.product ? `${who} - ${line.product}` : who).slice(0, 200);
}

function expectedCloseDateOf(line: OpportunityImportLine, pipeline: Pipeline): string {
  if (line.expectedCloseDate) return line.expectedCloseDate;
  if (line.closedAt) return line.closedAt;
  return new Date(Date.parse(line.openedAt) + pipeline.defaultCloseDays * DAY_MS).toISOString().slice(0, 10);
}
