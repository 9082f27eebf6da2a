import { allSideBySide, settleSideBySide } from './side-by-side';

describe('settleSideBySide', () => {
  it('runs at most `concurrency` at a time and settles every item in its place', async () => {
    let running = 0;
    let most = 0;

    const settled = await settleSideBySide([1, 2, 3, 4, 5, 6], 2, async (n) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
      if (n === 3) throw new Error('three');
      return n * 10;
    });

    expect(most).toBe(2);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : 'failed'))).toEqual([
      10,
      20,
      'failed',
      40,
      50,
      60,
    ]);
  });

  it('throws the first failure only after every item ran (allSideBySide)', async () => {
    const ran: number[] = [];

    const all = allSideBySide([1, 2, 3], 3, async (n) => {
      ran.push(n);
      if (n === 1) throw new Error('one');
      return n;
    });

    await expect(all).rejects.toThrow('one');
    expect(ran.sort()).toEqual([1, 2, 3]);
  });
});
