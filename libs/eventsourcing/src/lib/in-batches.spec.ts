import { inBatches } from './in-batches';

async function* items<T>(...steps: Array<T | { waitMs: number }>): AsyncGenerator<T> {
  for (const step of steps) {
    if (typeof step === 'object' && step !== null && 'waitMs' in step) {
      await new Promise((resolve) => setTimeout(resolve, step.waitMs));
    } else {
      yield step as T;
    }
  }
}

async function collect<T>(source: AsyncIterable<T[]>): Promise<T[][]> {
  const batches: T[][] = [];
  for await (const batch of source) batches.push(batch);
  return batches;
}

describe('inBatches', () => {
  it('cuts full batches while items are ready', async () => {
    await expect(collect(inBatches(items(1, 2, 3, 4, 5), 2, 1_000))).resolves.toEqual([[1, 2], [3, 4], [5]]);
  });

  it('cuts a batch when no item follows within the wait, and keeps the late item for the next one', async () => {
    const batches = await collect(inBatches(items(1, 2, { waitMs: 120 }, 3, 4), 10, 30));

    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('ends when the source ends, and closes the source when the consumer stops early', async () => {
    let closed = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }

    for await (const batch of inBatches(endless(), 3, 10)) {
      expect(batch).toEqual([0, 1, 2]);
      break;
    }

    expect(closed).toBe(true);
  });
});
