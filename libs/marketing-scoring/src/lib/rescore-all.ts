import { eventTypeOf, parseStreamId, type Clock } from '@leadledger/contracts';
import type { EventStore, GlobalPosition } from '@leadledger/eventstore';
import { deriveId } from '@leadledger/messaging';
import {
  disqualifierMatching,
  isMarketingQualified,
  scoreLead,
  type ScoringModel,
  type ScoringState,
} from '../domain';
import { MarketingScoringService } from './marketing-scoring.service';

export interface RescoreReport {
  readonly modelVersion: string;
  readonly dryRun: boolean;
  readonly leads: number;
  /** Leads that are MQLs now (in their current nurture cycle). */
  readonly mqlsNow: number;
  /** Leads the new model would qualify that are not MQLs now. */
  readonly gained: readonly string[];
  /** MQLs now that the new model would not qualify. */
  readonly lost: readonly string[];
  /** Events appended (zero on a dry run). */
  readonly appended: number;
}

const PAGE_SIZE = 500;

/**
 * Replays every lead under a candidate model and compares its verdict with the lead's current MQL
 * status, so a model change is tried before it is trusted. Without `dryRun`, it then rescores every
 * lead under the new model, appending new scores (and MQLs it crosses) under the new version; a
 * repeated run with the same model changes nothing.
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
  let leads = 0;
  let mqlsNow = 0;
  let appended = 0;
  for await (const leadId of everyLead(store)) {
    const state = await scoring.scoringStateOf(leadId);
    if (!state || state.status !== 'active') continue;
    leads++;
    const wasMql = state.qualifiedSinceRecycle;
    const wouldQualify = qualifiesUnder(model, state, clock.now());
    if (wasMql) mqlsNow++;
    if (wouldQualify && !wasMql) gained.push(leadId);
    if (!wouldQualify && wasMql) lost.push(leadId);
    if (!options.dryRun) {
      const causationId = deriveId('rescore', `${model.version}:${leadId}`);
      const result = await scoring.rescore(leadId, { causationId, correlationId: causationId });
      appended += result.alreadyHandled ? 0 : result.events.length;
    }
    options.onLead?.(leads);
  }
  return { modelVersion: model.version, dryRun: options.dryRun, leads, mqlsNow, gained, lost, appended };
}

function qualifiesUnder(model: ScoringModel, state: ScoringState, asOf: Date): boolean {
  if (disqualifierMatching(model, state.facts)) return false;
  return isMarketingQualified(model, scoreLead(model, state.facts, state.engagements, asOf));
}

/** Every captured lead's id, paging through the log's LeadCaptured events: a replay that ends. */
async function* everyLead(store: EventStore): AsyncGenerator<string> {
  let after: GlobalPosition | undefined;
  for (;;) {
    const page = await store.readAll({
      eventTypes: [eventTypeOf('LeadCaptured')],
      maxCount: PAGE_SIZE,
      ...(after === undefined ? {} : { after }),
    });
    if (page.length === 0) return;
    for (const event of page) {
      const leadId = parseStreamId(event.streamId)?.id;
      if (leadId) yield leadId;
    }
    after = page[page.length - 1].position;
  }
}
