import { asBulkWork, withWorkPriority } from '@leadledger/eventsourcing';
import { PgliteDriver } from './pglite-driver';

/**
 * PGlite settles its statements as microtasks: without a yield, a caller running statement after
 * statement starves timers and I/O (other HTTP requests, /health/live) until it is done.
 */
describe('PgliteDriver keeps the event loop turning', () => {
  let driver: PgliteDriver;

  beforeAll(async () => {
    driver = await PgliteDriver.open();
    await driver.exec('CREATE TABLE ticks (n integer NOT NULL)');
  }, 60_000);

  afterAll(() => driver?.close());

  async function timerFiredDuring(work: () => Promise<void>): Promise<boolean> {
    let fired = false;
    const timer = setTimeout(() => (fired = true), 0);
    await work();
    clearTimeout(timer);
    return fired;
  }

  it('lets a due timer run while statements follow one another', async () => {
    expect(
      await timerFiredDuring(async () => {
        for (let n = 0; n < 200; n++) await driver.query('INSERT INTO ticks (n) VALUES ($1)', [n]);
      }),
    ).toBe(true);
  });

  it('and while the statements of one transaction do', async () => {
    expect(
      await timerFiredDuring(() =>
        driver.transaction(async (tx) => {
          for (let n = 0; n < 200; n++) await tx.query('INSERT INTO ticks (n) VALUES ($1)', [n]);
        }),
      ),
    ).toBe(true);
  });
});

/**
 * One connection serves a batch's statements and a single request's: in arrival order, the request
 * waited for every statement the batch had queued (a single POST /leads took 258 ms at p99 during a
 * 1,000-lead batch).
 */
describe('PgliteDriver serves interactive work first', () => {
  let driver: PgliteDriver;

  beforeAll(async () => {
    driver = await PgliteDriver.open();
  }, 60_000);

  afterAll(() => driver?.close());

  it("runs a request's statement before the statements a batch queued earlier", async () => {
    const order: string[] = [];
    const batch = asBulkWork(() =>
      Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          driver.query('SELECT $1::int AS n', [i]).then(() => order.push(`batch ${i}`)),
        ),
      ),
    );
    const request = withWorkPriority('interactive', () =>
      driver.query('SELECT 1 AS n').then(() => order.push('request')),
    );
    await Promise.all([batch, request]);
    expect(order).toHaveLength(21);
    expect(order.indexOf('request')).toBeLessThanOrEqual(1);
  });

  it("keeps a transaction's statements together whatever queues meanwhile", async () => {
    await driver.exec('CREATE TABLE IF NOT EXISTS counter (n integer NOT NULL)');
    const seen: number[] = [];
    const transaction = asBulkWork(() =>
      driver.transaction(async (tx) => {
        await tx.query('INSERT INTO counter (n) VALUES (1)');
        await new Promise((resolve) => setImmediate(resolve));
        const [row] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM counter');
        seen.push(row.n);
      }),
    );
    const request = withWorkPriority('interactive', () => driver.query('INSERT INTO counter (n) VALUES (2)'));
    await Promise.all([transaction, request]);
    const [{ n }] = await driver.query<{ n: number }>('SELECT count(*)::int AS n FROM counter');
    expect(n).toBe(2);
    expect(seen).toHaveLength(1);
  });
});
