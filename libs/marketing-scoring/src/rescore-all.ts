import { eventTypeOf, parseStreamId, type Clock, type EventName } from '@leadledger/contracts';
import { deriveId, everyEventOf, type EventStore } from '@leadledger/eventsourcing';
import { isMarketingQualified, type ScoringModel } from './domain';
import { MarketingScoringService } from './marketing-scoring.service';

export interface RescoreReport {
  readonly modelVersion: string;
  readonly dryRun: boolean;
  readonly leads: number;
  /** Leads that are MQLs now (in their current nurture cycle). */
  readonly mqlsNow: number;
  /** Leads the run qualifies (a LeadMarketingQualified appended, or that would be on a dry run). */
  readonly gained: readonly string[];
  /** MQLs now whose score under the model no longer qualifies, or that the model disqualifies. */
  readonly lost: readonly string[];
  /** Events the run appends (or would append, on a dry run), by event name. */
  readonly events: Readonly<Partial<Record<EventName, number>>>;
  /** Events appended (zero on a dry run). */
  readonly appended: number;
}

const PAGE_SIZE = 500;

/**
 * Rescores every lead under a candidate model, so a model change is tried before it is trusted. A dry
 * run decides exactly as the real run does, with the same decider on the same streams and causations,
 * and appends nothing: its report is what the real run would append (a lead held or disqualified by
 * hand stays so). A repeated real run with the same model appends nothing.
 */
export async function rescoreAll(
  store: EventStore,
  clock: Clock,
  model: ScoringModel,
  options: { readonly dryRun: boolean; readonly onLead?: (done: number) => void },
): Promise<RescoreReport> {
  const scoring = new MarketingScoringService(store, clock, model);
  const gained: string[] = [];
  const lost: string[] = [];
  const events: Partial<Record<EventName, number>> = {};
  let leads = 0;
  let mqlsNow = 0;
  let appended = 0;
  for await (const leadId of everyLead(store)) {
    const before = await scoring.scoringStateOf(leadId);
    if (!before || before.status !== 'active') continue;
    leads++;
    const causationId = deriveId('rescore', `${model.version}:${leadId}`);
    const result = await scoring.rescore(
      leadId,
      { causationId, correlationId: causationId },
      { dryRun: options.dryRun },
    );
    const decided = result.alreadyHandled ? [] : result.events;
    for (const event of decided) events[event.type] = (events[event.type] ?? 0) + 1;
    if (!options.dryRun) appended += decided.length;

    const wasMql = before.qualifiedSinceRecycle;
    if (wasMql) mqlsNow++;
    if (decided.some((event) => event.type === 'LeadMarketingQualified')) gained.push(leadId);
    const after = result.state;
    const stillQualifies =
      after.disqualification === undefined &&
      after.lastScore !== undefined &&
      isMarketingQualified(model, after.lastScore);
    if (wasMql && !stillQualifies) lost.push(leadId);
    options.onLead?.(leads);
  }
  return {
    modelVersion: model.version,
    dryRun: options.dryRun,
    leads,
    mqlsNow,
    gained,
    lost,
    events,
    appended,
  };
}

/** Every captured lead's id, paging through the log's LeadCaptured events: a replay that ends. */
async function* everyLead(store: EventStore): AsyncGenerator<string> {
  for await (const event of everyEventOf(store, [eventTypeOf('LeadCaptured')], PAGE_SIZE)) {
    const leadId = parseStreamId(event.streamId)?.id;
    if (leadId) yield leadId;
  }
}
