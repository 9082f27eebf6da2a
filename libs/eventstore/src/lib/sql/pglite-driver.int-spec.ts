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
