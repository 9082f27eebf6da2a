import { chainsOf, inIdentityChains } from './identity-chains';

describe('chainsOf', () => {
  it('chains items that share a key, directly or through another item, keeping their order', () => {
    const chains = chainsOf([
      ['email:a'],
      ['email:b'],
      ['email:c', 'crm:1'],
      ['crm:1', 'email:a'],
      [],
      ['email:b'],
    ]);

    expect(chains).toEqual([[0, 2, 3], [1, 5], [4]]);
  });

  it('keeps items without keys apart', () => {
    expect(chainsOf([[], [], []])).toEqual([[0], [1], [2]]);
  });
});

describe('inIdentityChains', () => {
  it('runs a chain one item after another and different chains side by side', async () => {
    const running = new Set<number>();
    const overlaps: Array<[number, number]> = [];
    const keys = [['a'], ['b'], ['a'], ['b']];

    await inIdentityChains(
      keys,
      (item) => item,
      2,
      async (_, index) => {
        for (const other of running) overlaps.push([other, index]);
        running.add(index);
        await new Promise((resolve) => setTimeout(resolve, 10));
        running.delete(index);
      },
    );

    expect(overlaps.length).toBeGreaterThan(0);
    for (const [a, b] of overlaps) expect(keys[a][0]).not.toBe(keys[b][0]);
  });

  it('settles every item in the order given, a failure stopping neither its chain nor another', async () => {
    const settled = await inIdentityChains(
      [['a'], ['a'], ['b']],
      (item) => item,
      4,
      async (_, index) => {
        if (index === 0) throw new Error('first fails');
        return index;
      },
    );

    expect(settled.map((result) => result.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(settled[1]).toEqual({ status: 'fulfilled', value: 1 });
  });
});
