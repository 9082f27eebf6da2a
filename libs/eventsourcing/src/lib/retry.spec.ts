import { backoffDelay, retry } from './retry';

const noWait = async () => undefined;

describe('retry', () => {
  it('tries again until the operation succeeds, waiting longer after each failure in a row', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        if (++calls < 4) throw new Error(`failure ${calls}`);
        return 'done';
      },
      {
        attempts: 5,
        initialDelayMs: 10,
        maxDelayMs: 1_000,
        sleep: async (ms) => void waits.push(ms),
      },
    );
    expect(result).toBe('done');
    expect(waits).toEqual([10, 20, 40]);
  });

  it('throws the last failure once the attempts are spent', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          throw new Error(`failure ${++calls}`);
        },
        { attempts: 3, initialDelayMs: 1, maxDelayMs: 1, sleep: noWait },
      ),
    ).rejects.toThrow('failure 3');
    expect(calls).toBe(3);
  });

  it('throws at once what is not worth retrying', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new TypeError('permanent');
        },
        {
          attempts: 5,
          initialDelayMs: 1,
          maxDelayMs: 1,
          sleep: noWait,
          shouldRetry: (error) => !(error instanceof TypeError),
        },
      ),
    ).rejects.toThrow('permanent');
    expect(calls).toBe(1);
  });

  it('starts the backoff over after an attempt that made progress', async () => {
    const waits: number[] = [];
    let calls = 0;
    await retry(
      async (attempt) => {
        calls++;
        if (calls === 3) attempt.madeProgress();
        if (calls < 5) throw new Error('again');
      },
      { attempts: 10, initialDelayMs: 10, maxDelayMs: 1_000, sleep: async (ms) => void waits.push(ms) },
    );
    expect(waits).toEqual([10, 20, 10, 20]);
  });

  it('stops trying when aborted, throwing the last failure', async () => {
    const stop = new AbortController();
    let calls = 0;
    await expect(
      retry(
        async () => {
          if (++calls === 2) stop.abort();
          throw new Error(`failure ${calls}`);
        },
        { attempts: Infinity, initialDelayMs: 1, maxDelayMs: 1, signal: stop.signal, sleep: noWait },
      ),
    ).rejects.toThrow('failure 2');
  });

  it('caps the backoff and draws the jittered share at random', () => {
    const policy = { attempts: 10, initialDelayMs: 100, maxDelayMs: 1_000, jitter: 1 };
    expect(backoffDelay(1, policy, () => 0)).toBe(0);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
    expect(backoffDelay(20, policy, () => 1)).toBe(1_000);
    expect(backoffDelay(2, { ...policy, jitter: 0.5 }, () => 0)).toBe(100);
  });
});
