import { randomUUID } from 'node:crypto';
import { openEventStorage, type EventStorage } from '@leadledger/eventstore';
import {
  DEFAULT_CLAIM_TIMEOUT_MS,
  IDEMPOTENCY_KEY_CLAIMED,
  IdempotencyKeyInUseError,
  IdempotencyKeyReusedError,
  IdempotencyKeys,
  fingerprintOf,
  idempotencyStreamOf,
  type IdempotentRequest,
} from './idempotency-keys';

describe('IdempotencyKeys on PGlite', () => {
  let storage: EventStorage;
  let now: Date;
  let keys: IdempotencyKeys;

  beforeAll(async () => {
    storage = await openEventStorage('pglite://memory');
  });

  afterAll(async () => {
    await storage?.events.close();
  });

  beforeEach(() => {
    now = new Date('2026-11-23T12:00:00Z');
    keys = new IdempotencyKeys(storage.events, { now: () => now });
  });

  const requestFor = (body: unknown, key = randomUUID()): IdempotentRequest => ({
    scope: '',
    route: 'POST /leads',
    key,
    fingerprint: fingerprintOf(body),
  });
  const answering = (answer: string) => async () => ({ answer });

  it('fingerprints canonically: key order does not matter, values do', () => {
    expect(fingerprintOf({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      fingerprintOf({ b: { d: 'x', c: [1, 2] }, a: 1 }),
    );
    expect(fingerprintOf({ a: 1 })).not.toBe(fingerprintOf({ a: 2 }));
    expect(fingerprintOf({ c: [1, 2] })).not.toBe(fingerprintOf({ c: [2, 1] }));
  });

  it('runs the work once and replays its answer', async () => {
    const request = requestFor({ email: 'a@example.com' });
    const work = jest.fn(answering('first'));

    const first = await keys.once(request, work);
    const again = await keys.once(request, work);

    expect(first).toEqual({ answer: 'first', replayed: false });
    expect(again).toEqual({ answer: 'first', replayed: true });
    expect(work).toHaveBeenCalledTimes(1);
  });

  it('refuses another body under the key without running its work', async () => {
    const key = randomUUID();
    await keys.once(requestFor({ email: 'a@example.com' }, key), answering('first'));
    const work = jest.fn(answering('second'));

    await expect(keys.once(requestFor({ email: 'b@example.com' }, key), work)).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
    expect(work).not.toHaveBeenCalled();
  });

  it('keeps a key of one route apart from the same key of another', async () => {
    const request = requestFor({ email: 'a@example.com' });
    await keys.once(request, answering('lead'));

    const other = await keys.once(
      { ...request, route: 'POST /leads/{id}/engagements' },
      answering('engagement'),
    );

    expect(other).toEqual({ answer: 'engagement', replayed: false });
  });

  it('refuses a key being processed, then lets a request take a claim over once it is stale', async () => {
    const request = requestFor({ email: 'a@example.com' });
    // A process that claimed the key and died before recording an outcome.
    await storage.events.append(
      idempotencyStreamOf(request),
      [
        {
          id: randomUUID(),
          type: IDEMPOTENCY_KEY_CLAIMED,
          data: { route: request.route, fingerprint: request.fingerprint, claimedAt: now.toISOString() },
        },
      ],
      { expectedRevision: 'no_stream' },
    );

    await expect(keys.once(request, answering('too early'))).rejects.toBeInstanceOf(IdempotencyKeyInUseError);
    now = new Date(now.getTime() + DEFAULT_CLAIM_TIMEOUT_MS);
    const takenOver = await keys.once(request, answering('taken over'));

    expect(takenOver).toEqual({ answer: 'taken over', replayed: false });
    expect(await keys.once(request, answering('never'))).toEqual({ answer: 'taken over', replayed: true });
  });

  it('frees the key for a retry of the same request when the work fails', async () => {
    const request = requestFor({ email: 'a@example.com' });

    await expect(
      keys.once(request, async () => {
        throw new Error('store unavailable');
      }),
    ).rejects.toThrow('store unavailable');
    const retried = await keys.once(request, answering('retried'));

    expect(retried).toEqual({ answer: 'retried', replayed: false });
  });
});
