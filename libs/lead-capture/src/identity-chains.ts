import { settleSideBySide } from '@leadledger/eventsourcing';

/**
 * Chains of a batch (HTTP or one Kafka fetch) in flight at once: enough to fill the store's group
 * commits, few enough to keep single requests answered.
 */
export const BATCH_CONCURRENCY = 16;

/**
 * How a batch of submissions is worked off: items that share an identity key (directly or through
 * others: a and b share an email, b and c an external id) form a chain and run one after another,
 * in the order given, so each sees the one before it; chains run side by side, at most
 * `concurrency` at a time, so their appends meet in the event store's group commits instead of
 * committing one by one. Every item is settled; none stops another.
 */
export async function inIdentityChains<Item, Result>(
  items: readonly Item[],
  keysOf: (item: Item) => readonly string[],
  concurrency: number,
  work: (item: Item, index: number) => Promise<Result>,
): Promise<Array<PromiseSettledResult<Result>>> {
  const chains = chainsOf(items.map(keysOf));
  const settled = new Array<PromiseSettledResult<Result>>(items.length);
  await settleSideBySide(chains, concurrency, async (chain) => {
    for (const index of chain) {
      try {
        settled[index] = { status: 'fulfilled', value: await work(items[index], index) };
      } catch (reason) {
        settled[index] = { status: 'rejected', reason };
      }
    }
  });
  return settled;
}

/** Item indices grouped into chains of shared keys (union-find over the items), each in order. */
export function chainsOf(keysPerItem: ReadonlyArray<readonly string[]>): number[][] {
  const parent = keysPerItem.map((_, index) => index);
  const rootOf = (index: number): number => {
    while (parent[index] !== index) {
      parent[index] = parent[parent[index]];
      index = parent[index];
    }
    return index;
  };
  const firstHolder = new Map<string, number>();
  keysPerItem.forEach((keys, index) => {
    for (const key of keys) {
      const holder = firstHolder.get(key);
      if (holder === undefined) firstHolder.set(key, index);
      else parent[rootOf(index)] = rootOf(holder);
    }
  });
  const chains = new Map<number, number[]>();
  keysPerItem.forEach((_, index) => {
    const root = rootOf(index);
    const chain = chains.get(root);
    if (chain) chain.push(index);
    else chains.set(root, [index]);
  });
  return [...chains.values()];
}
