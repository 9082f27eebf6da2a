import { PriorityQueue } from '@datastructures-js/priority-queue';
import { eventTypeOf, parseStreamId, type Clock, type LeadScoredData } from '@leadledger/contracts';
import type { EventStore } from '@leadledger/eventstore';
import { deriveId } from '@leadledger/eventsourcing';
import type { MarketingScoringService } from '../marketing-scoring.service';

interface Review {
  readonly leadId: string;
  readonly at: number;
}

export interface DecaySchedulerObserver {
  onReviewed?(leadId: string, appended: number): void;
  onFailure?(error: unknown): void;
}

const FOLLOWED_TYPES = [eventTypeOf('LeadScored'), eventTypeOf('LeadErased')];

/**
 * Decay changes scores without new events, but it only matters when it changes what a score means:
 * each LeadScored says when that next happens (`nextReviewAt`). The scheduler follows those events
 * (from the start at boot, then live) into a queue ordered by due time, and each tick rescores only
 * the leads that are due: no tick ever looks at every lead.
 */
export class DecayScheduler {
  private readonly queue = new PriorityQueue<Review>((a, b) => a.at - b.at);
  /** The live due time per lead; queue entries that disagree are outdated and skipped. */
  private readonly dueAt = new Map<string, number>();

  constructor(
    private readonly store: EventStore,
    private readonly scoring: MarketingScoringService,
    private readonly clock: Clock,
    private readonly observer: DecaySchedulerObserver = {},
  ) {}

  /** Leads waiting for a review. */
  get pending(): number {
    return this.dueAt.size;
  }

  /** Follows LeadScored events until aborted, ticking every `tickMs` to review what is due. */
  async run(signal: AbortSignal, tickMs: number): Promise<void> {
    const ticking = setInterval(() => {
      this.reviewDue().catch((error: unknown) => this.observer.onFailure?.(error));
    }, tickMs);
    ticking.unref();
    try {
      await this.follow(signal);
    } finally {
      clearInterval(ticking);
    }
  }

  /** Rescores every lead whose review is due by the clock; resolves to how many were reviewed. */
  async reviewDue(): Promise<number> {
    const now = this.clock.now().getTime();
    let reviewed = 0;
    for (let next = this.queue.front(); next !== null && next.at <= now; next = this.queue.front()) {
      const review = this.queue.dequeue() as Review;
      if (this.dueAt.get(review.leadId) !== review.at) continue;
      this.dueAt.delete(review.leadId);
      // Named by lead and due time: a second scheduler (another replica) reviewing the same entry changes nothing.
      const causationId = deriveId('decay-review', `${review.leadId}@${review.at}`);
      const result = await this.scoring.rescore(review.leadId, { causationId, correlationId: causationId });
      this.observer.onReviewed?.(review.leadId, result.events.length);
      reviewed++;
    }
    return reviewed;
  }

  /** What a LeadScored (or erasure) says about the next review; exposed so tests can feed it directly. */
  schedule(leadId: string, nextReviewAt: string | undefined): void {
    if (nextReviewAt === undefined) {
      this.dueAt.delete(leadId);
      return;
    }
    const at = Date.parse(nextReviewAt);
    this.dueAt.set(leadId, at);
    this.queue.enqueue({ leadId, at });
  }

  private async follow(signal: AbortSignal): Promise<void> {
    let after: bigint | undefined;
    while (!signal.aborted) {
      try {
        for await (const event of this.store.subscribeToAll({
          from: after ?? 'start',
          eventTypes: FOLLOWED_TYPES,
          signal,
        })) {
          after = event.position;
          const leadId = parseStreamId(event.streamId)?.id;
          if (!leadId) continue;
          const nextReviewAt =
            event.type === FOLLOWED_TYPES[0] ? (event.data as LeadScoredData).nextReviewAt : undefined;
          this.schedule(leadId, nextReviewAt);
        }
      } catch (error) {
        if (signal.aborted) return;
        this.observer.onFailure?.(error);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }
}
