import { createHash, randomUUID } from 'node:crypto';
import type { Clock } from '@leadledger/contracts';
import {
  DEFAULT_COMMAND_RETRY,
  DomainError,
  WrongExpectedRevisionError,
  deriveId,
  retry,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
  type StreamRevision,
} from '@leadledger/eventsourcing';

// Bookkeeping of lead-capture's own, not lifecycle events: the relay publishes catalog types only.
export const IDEMPOTENCY_KEY_CLAIMED = 'leadledger.internal.idempotency-key-claimed';
export const IDEMPOTENCY_KEY_COMPLETED = 'leadledger.internal.idempotency-key-completed';
export const IDEMPOTENCY_KEY_RELEASED = 'leadledger.internal.idempotency-key-released';

/**
 * A claimant that has not finished after this long is taken for dead (a crash between claim and
 * outcome); its key may be claimed again. Longer than any single submission takes, short enough
 * that a client retrying after a crash is not locked out for long.
 */
export const DEFAULT_CLAIM_TIMEOUT_MS = 60_000;

/** One request under an idempotency key (IETF draft "The Idempotency-Key HTTP Header Field"). */
export interface IdempotentRequest {
  /**
   * Whose key it is. Empty while callers are not authenticated; once access control knows the
   * caller, its identity goes here, so two callers' keys never meet.
   */
  readonly scope: string;
  /** The operation, e.g. `POST /leads`: the same key on another route is another request. */
  readonly route: string;
  readonly key: string;
  /** `fingerprintOf` the parsed request: the key is bound to this request and no other. */
  readonly fingerprint: string;
}

/** The key was first used for another request: nothing is done for this one. */
export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'idempotency_key_reused';

  constructor() {
    super(
      'precondition',
      'this Idempotency-Key was used for a different request; use a new key for a new request',
    );
  }
}

/** The request that claimed the key is still being processed: retry later. */
export class IdempotencyKeyInUseError extends DomainError {
  readonly code = 'idempotency_key_in_use';

  constructor() {
    super('conflict', 'a request with this Idempotency-Key is still being processed; retry later');
  }
}

/** sha256 (hex) of the value's canonical JSON: object keys sorted, so key order does not matter. */
export function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, member]) => `${JSON.stringify(name)}:${canonicalJson(member)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The causation of every command run under the key: a takeover after a crash finds the first run's events. */
export function causationIdOf(request: Pick<IdempotentRequest, 'scope' | 'route' | 'key'>): string {
  return deriveId('idempotent-request', keyIdentityOf(request));
}

/** The key's stream; hashed, since a key is the client's text and may hold anything. */
export function idempotencyStreamOf(request: Pick<IdempotentRequest, 'scope' | 'route' | 'key'>): string {
  return `idempotency-${createHash('sha256').update(keyIdentityOf(request)).digest('hex')}`;
}

function keyIdentityOf({ scope, route, key }: Pick<IdempotentRequest, 'scope' | 'route' | 'key'>): string {
  // Length-prefixed, so no scope, route and key can be shifted into another triple with the same text.
  return [scope, route, key].map((part) => `${part.length}:${part}`).join('|');
}

interface KeyClaimed {
  readonly route: string;
  readonly fingerprint: string;
  readonly claimedAt: string;
}

interface KeyCompleted<Answer> {
  readonly answer: Answer;
}

/** What the work under a key produced: the answer a replay repeats, and what only the first caller waits for. */
export interface IdempotentWork<Answer> {
  readonly answer: Answer;
  readonly position?: GlobalPosition;
}

export interface IdempotentOutcome<Answer> extends IdempotentWork<Answer> {
  /** The key had completed before: this is the first call's answer, nothing was done now. */
  readonly replayed: boolean;
}

type Claim<Answer> =
  | { readonly kind: 'claimed'; readonly revision: StreamRevision }
  | { readonly kind: 'completed'; readonly answer: Answer };

/**
 * Idempotency keys kept in the event store, so every adapter and replica shares them: each key has
 * its own stream, whose first event (appended with `no_stream`, so one of two concurrent requests
 * wins) binds the key to its route and its request's fingerprint, and whose later events record
 * the outcome, a release (the work failed; the key may be used again for the same request) or a
 * takeover of a stale claim.
 */
export class IdempotencyKeys {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly claimTimeoutMs = DEFAULT_CLAIM_TIMEOUT_MS,
  ) {}

  /**
   * Runs `work` once for the request: a repeat of a completed request gets its first answer,
   * another request under the key is refused (`IdempotencyKeyReusedError`) and so is one while the
   * first is still running (`IdempotencyKeyInUseError`); in both cases `work` does not run.
   */
  async once<Answer>(
    request: IdempotentRequest,
    work: () => Promise<IdempotentWork<Answer>>,
  ): Promise<IdempotentOutcome<Answer>> {
    const streamId = idempotencyStreamOf(request);
    const claim = await retry(() => this.claim<Answer>(streamId, request), {
      ...DEFAULT_COMMAND_RETRY,
      shouldRetry: (error) => error instanceof WrongExpectedRevisionError,
    });
    if (claim.kind === 'completed') return { answer: claim.answer, replayed: true };

    let done: IdempotentWork<Answer>;
    try {
      done = await work();
    } catch (error) {
      // A refused or failed request leaves the key free for a corrected retry of the same request.
      await this.record(streamId, claim.revision, IDEMPOTENCY_KEY_RELEASED, {}).catch(() => undefined);
      throw error;
    }
    const completed: KeyCompleted<Answer> = { answer: done.answer };
    // The work is done and its events are the truth: failing to record the answer must not fail the
    // request. A retry then takes the stale claim over and finds the events under the same causation.
    await this.record(streamId, claim.revision, IDEMPOTENCY_KEY_COMPLETED, completed).catch(() => undefined);
    return { ...done, replayed: false };
  }

  private async claim<Answer>(streamId: string, request: IdempotentRequest): Promise<Claim<Answer>> {
    const events = await this.store.readStream(streamId);
    const [first] = events;
    if (first === undefined)
      return { kind: 'claimed', revision: await this.appendClaim(streamId, request, 'no_stream') };
    if ((first.data as KeyClaimed).fingerprint !== request.fingerprint) throw new IdempotencyKeyReusedError();

    const last = events[events.length - 1] as RecordedEvent;
    if (last.type === IDEMPOTENCY_KEY_COMPLETED) {
      return { kind: 'completed', answer: (last.data as KeyCompleted<Answer>).answer };
    }
    if (last.type === IDEMPOTENCY_KEY_CLAIMED && !this.isStale(last.data as KeyClaimed)) {
      throw new IdempotencyKeyInUseError();
    }
    // Released, or claimed by a process that died: claim it anew, at the revision read, so of two
    // takers only one wins.
    return { kind: 'claimed', revision: await this.appendClaim(streamId, request, last.revision) };
  }

  private isStale(claim: KeyClaimed): boolean {
    return this.clock.now().getTime() - Date.parse(claim.claimedAt) >= this.claimTimeoutMs;
  }

  private appendClaim(
    streamId: string,
    { route, fingerprint }: IdempotentRequest,
    expected: StreamRevision | 'no_stream',
  ): Promise<StreamRevision> {
    const claimed: KeyClaimed = { route, fingerprint, claimedAt: this.clock.now().toISOString() };
    return this.record(streamId, expected, IDEMPOTENCY_KEY_CLAIMED, claimed);
  }

  private async record(
    streamId: string,
    expected: StreamRevision | 'no_stream',
    type: string,
    data: object,
  ): Promise<StreamRevision> {
    // Random ids: a derived id could make a competing claim a silent no-op instead of a lost race.
    const { nextExpectedRevision } = await this.store.append(streamId, [{ id: randomUUID(), type, data }], {
      expectedRevision: expected,
    });
    return nextExpectedRevision;
  }
}
