import { PgliteDriver } from './pglite-driver';
import { SqlQueryError } from './query-errors';

/** A failed statement must be loggable: nothing of the data it carried may ride along in the error. */
describe('SQL errors carry no statement data', () => {
  let driver: PgliteDriver;
  beforeAll(async () => {
    driver = await PgliteDriver.open();
    await driver.exec('CREATE TABLE people (data jsonb NOT NULL, email text UNIQUE)');
    await driver.query('INSERT INTO people VALUES ($1, $2)', ['{}', 'bo@beta.io']);
  });
  afterAll(() => driver.close());

  const personal = ['ana@acme.io', '+49 30 1234567', 'bo@beta.io'];

  it.each([
    [
      'a value PostgreSQL cannot store',
      () =>
        driver.query('INSERT INTO people VALUES ($1, NULL)', [
          JSON.stringify({ email: 'ana@acme.io', phone: '+49 30 1234567', name: 'a\u0000' }),
        ]),
    ],
    ['a unique violation', () => driver.query('INSERT INTO people VALUES ($1, $2)', ['{}', 'bo@beta.io'])],
    [
      'the same inside a transaction',
      () =>
        driver.transaction((tx) =>
          tx.query('INSERT INTO people VALUES ($1, $2)', [
            JSON.stringify({ email: 'ana@acme.io' }),
            'bo@beta.io',
          ]),
        ),
    ],
  ])('%s', async (_case, statement) => {
    const error = await statement().then(
      () => undefined,
      (failure: unknown) => failure,
    );

    expect(error).toBeInstanceOf(SqlQueryError);
    expect((error as SqlQueryError).code).toMatch(/^[0-9A-Z]{5}$/);
    const everything = JSON.stringify({
      ...(error as object),
      message: (error as Error).message,
      stack: (error as Error).stack,
    });
    for (const value of personal) expect(everything).not.toContain(value);
  });
});
