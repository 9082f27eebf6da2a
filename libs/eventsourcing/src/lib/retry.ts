/**
 * The one retry loop of the repo: exponential backoff with jitter, a bound on attempts (or none, until
 * aborted), a predicate for what is worth retrying, and a hook before each wait. Command handling,
 * identity claims, message delivery, the relay and the scheduler all retry through it, so they back
 * off alike and a fix to how we retry is made once.
 */
export interface RetryPolicy {
  /** Tries in all, the first included; `Infinity` tries until `signal` aborts. */
  readonly attempts: number;
  /** The wait after the first failure; each further failure doubles it. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * The share of each wait drawn at random (0: none; 1: "full jitter", anywhere from zero to the
   * backoff). Writers that collided once must not collide again in lockstep.
   */
  readonly jitter?: number;
}

export interface RetryOptions extends RetryPolicy {
  /** Whether this failure is worth another try; a failure that is not is thrown at once. */
  readonly shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait, e.g. to count retries or keep a consumer's membership alive. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void | Promise<void>;
  /** Ends the waiting: the last failure is thrown without another try. */
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
}

/** What an attempt may tell the loop: it made progress, so the backoff starts over (a relay that ran for days). */
export interface Attempt {
  readonly number: number;
  madeProgress(): void;
}

export async function retry<T>(
  operation: (attempt: Attempt) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const sleep = options.sleep ?? sleepUnlessAborted;
  let failuresInARow = 0;
  for (let number = 1; ; number++) {
    try {
      return await operation({ number, madeProgress: () => (failuresInARow = 0) });
    } catch (error) {
      failuresInARow++;
      const exhausted = number >= options.attempts || options.signal?.aborted === true;
      if (exhausted || (options.shouldRetry && !options.shouldRetry(error, number))) throw error;
      const delayMs = backoffDelay(failuresInARow, options, options.random);
      await options.onRetry?.(error, number, delayMs);
      await sleep(delayMs, options.signal);
      if (options.signal?.aborted) throw error;
    }
  }
}

/** The wait after the `failures`-th failure in a row: doubling from the initial delay, capped, partly random. */
export function backoffDelay(
  failures: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, failures - 1));
  const jitter = Math.min(1, Math.max(0, policy.jitter ?? 0));
  return Math.round(ceiling * (1 - jitter) + ceiling * jitter * random());
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
