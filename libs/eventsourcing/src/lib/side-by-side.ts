/**
 * Runs `work` for every item, at most `concurrency` at a time, and settles each: one failing stops
 * none of the others. For work on distinct streams, whose appends then share the event store's
 * group commits instead of committing one by one.
 */
export async function settleSideBySide<Item, Result>(
  items: readonly Item[],
  concurrency: number,
  work: (item: Item, index: number) => Promise<Result>,
): Promise<Array<PromiseSettledResult<Result>>> {
  const settled = new Array<PromiseSettledResult<Result>>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        settled[index] = { status: 'fulfilled', value: await work(items[index], index) };
      } catch (reason) {
        settled[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return settled;
}

/** Like `settleSideBySide`, then throws the first failure, if any, once all are settled. */
export async function allSideBySide<Item, Result>(
  items: readonly Item[],
  concurrency: number,
  work: (item: Item, index: number) => Promise<Result>,
): Promise<Result[]> {
  return valuesOrFirstFailure(await settleSideBySide(items, concurrency, work));
}

/** The values of work all settled, or the first failure thrown: a batch fails as its first item did. */
export function valuesOrFirstFailure<Result>(settled: ReadonlyArray<PromiseSettledResult<Result>>): Result[] {
  const failure = settled.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<Result>).value);
}
