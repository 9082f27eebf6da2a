import {
  externalIdentityKey,
  identityStreamId,
  opportunityStreamId,
  type Actor,
  type LeadIdentityClaim,
} from '@leadledger/contracts';
import {
  WrongExpectedRevisionError,
  deriveId,
  toEventToAppend,
  type EventStore,
} from '@leadledger/eventsourcing';
import type { NdjsonLine } from '@leadledger/platform';
import { planImport, type StageMap } from '../domain/opportunity-import';
import type { PipelinesConfig } from '@leadledger/contracts';
import { OPPORTUNITY_SOURCE } from '../opportunity.service';

export const MAX_IMPORT_LINES = 100_000;
export const MAX_IMPORT_LINE_BYTES = 64 * 1024;
const PROGRESS_EVERY = 1_000;

export interface ImportCounts {
  readonly lines: number;
  readonly imported: number;
  /** Imported before: a re-import writes nothing twice. */
  readonly unchanged: number;
  readonly rejected: number;
  /** Imported, naming a lead that lead intake never received. */
  readonly leadsNotFound: number;
}

/** What the import answers as it goes, one JSON object per line. */
export type ImportReport =
  | {
      readonly line: number;
      readonly status: 'rejected';
      readonly issues: readonly { field: string; reason: string }[];
    }
  | { readonly progress: ImportCounts }
  | { readonly done: ImportCounts & { readonly stoppedAt?: string } };

/**
 * Writes a CRM's opportunity history as the events it would have produced here, each at its own past
 * business time, under the actor who ran the import. Each opportunity is one append that creates
 * its stream, so an opportunity is all there or not at all, and a re-import finds it there and
 * writes nothing. A bad line is reported with its number and reasons and the others go on.
 */
export class OpportunityImporter {
  constructor(
    private readonly store: EventStore,
    private readonly config: PipelinesConfig,
  ) {}

  async *run(
    lines: AsyncIterable<NdjsonLine>,
    actor: Actor,
    correlationId: string,
  ): AsyncGenerator<ImportReport> {
    const counts = { lines: 0, imported: 0, unchanged: 0, rejected: 0, leadsNotFound: 0 };
    let stageMap: StageMap = {};
    let sawData = false;
    for await (const line of lines) {
      if (line.tooLong === undefined && line.text.trim() === '') continue;
      if (counts.lines >= MAX_IMPORT_LINES) {
        yield { done: { ...counts, stoppedAt: `line ${line.number}: more than ${MAX_IMPORT_LINES} lines` } };
        return;
      }
      counts.lines += 1;
      const parsed = line.tooLong ? undefined : parseJson(line.text);
      const options = sawData ? undefined : stageMapOf(parsed);
      if (options) {
        stageMap = options;
        counts.lines -= 1;
        continue;
      }
      sawData = true;
      const outcome = line.tooLong
        ? rejected([{ field: '(line)', reason: `is longer than ${MAX_IMPORT_LINE_BYTES} bytes` }])
        : parsed === undefined
          ? rejected([{ field: '(line)', reason: 'is not JSON' }])
          : await this.importOne(parsed.value, stageMap, actor, correlationId);
      if (outcome.status === 'rejected') {
        counts.rejected += 1;
        yield { line: line.number, status: 'rejected', issues: outcome.issues };
      } else {
        counts[outcome.status] += 1;
        if (outcome.leadNotFound) counts.leadsNotFound += 1;
      }
      if (counts.lines % PROGRESS_EVERY === 0) yield { progress: { ...counts } };
    }
    yield { done: { ...counts } };
  }

  private async importOne(
    raw: unknown,
    stageMap: StageMap,
    actor: Actor,
    correlationId: string,
  ): Promise<LineOutcome> {
    const plan = planImport(raw, this.config, stageMap);
    if (!plan.ok)
      return rejected(plan.issues.map(({ path, reason }) => ({ field: path || '(line)', reason })));
    const leadRef = (raw as { lead?: { system: string; id: string } }).lead;
    const leadId = leadRef ? await this.leadIdOf(leadRef) : undefined;
    const linked = leadId ? planImport(raw, this.config, stageMap, leadId) : plan;
    if (!linked.ok)
      return rejected(linked.issues.map(({ path, reason }) => ({ field: path || '(line)', reason })));
    const streamId = opportunityStreamId(linked.opportunityId);
    // Appending events the stream holds already is a no-op for the store, so "already imported" is read.
    if ((await this.store.readStream(streamId, { maxCount: 1 })).length > 0) {
      return { status: 'unchanged', leadNotFound: false };
    }
    const causationId = deriveId('opportunity-import', linked.opportunityId);
    const events = linked.events.map(({ event, occurredAt }, index) =>
      toEventToAppend(
        event,
        index,
        { handler: 'opportunity:import', source: OPPORTUNITY_SOURCE },
        {
          causationId,
          correlationId,
          actor,
          occurredAt,
        },
      ),
    );
    try {
      await this.store.append(streamId, events, {
        expectedRevision: 'no_stream',
      });
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) return { status: 'unchanged', leadNotFound: false };
      throw error;
    }
    return { status: 'imported', leadNotFound: leadRef !== undefined && leadId === undefined };
  }

  /** The lead lead intake keyed by the same external id, when it received one. */
  private async leadIdOf(ref: { system: string; id: string }): Promise<string | undefined> {
    const [claim] = await this.store.readStream(identityStreamId(externalIdentityKey(ref)), { maxCount: 1 });
    return (claim?.data as LeadIdentityClaim | undefined)?.leadId;
  }
}

type LineOutcome =
  | { readonly status: 'imported' | 'unchanged'; readonly leadNotFound: boolean }
  | { readonly status: 'rejected'; readonly issues: readonly { field: string; reason: string }[] };

function rejected(issues: readonly { field: string; reason: string }[]): LineOutcome {
  return { status: 'rejected', issues };
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** The stage map of an options line `{"stageMap": {...}}` (only the first line may be one); else undefined. */
function stageMapOf(parsed: { value: unknown } | undefined): StageMap | undefined {
  const value = parsed?.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  if (Object.keys(value).length !== 1 || !Object.hasOwn(value, 'stageMap')) return undefined;
  const map = (value as { stageMap: unknown }).stageMap;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) return undefined;
  if (!Object.values(map).every((stage) => typeof stage === 'string')) return undefined;
  // No prototype: a CRM stage named `constructor` or `__proto__` maps like any other.
  return Object.assign(Object.create(null) as Record<string, string>, map);
}
