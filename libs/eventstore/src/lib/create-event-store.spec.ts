import { InvalidEventStoreUrlError, parseEventStoreUrl } from './create-event-store';

describe('parseEventStoreUrl', () => {
  it.each([
    ['esdb://localhost:2113?tls=false', 'eventstoredb', 'esdb://localhost:2113?tls=false'],
    ['esdb+discover://cluster.example:2113', 'eventstoredb', 'esdb+discover://cluster.example:2113'],
    ['postgres://app@db:5432/leads', 'postgres', 'postgres://app@db:5432/leads'],
    ['postgresql://app@db/leads', 'postgres', 'postgresql://app@db/leads'],
    ['postgres://app@db/leads?sslmode=require', 'postgres', 'postgres://app@db/leads?sslmode=require'],
    ['pglite://./.data', 'pglite', './.data'],
    ['pglite:///var/lib/leadledger', 'pglite', '/var/lib/leadledger'],
    ['pglite://memory', 'pglite', undefined],
  ])('reads %s as %s', (url, kind, target) => {
    expect(parseEventStoreUrl(url)).toEqual({ kind, target });
  });

  it.each([
    ['postgres://app@db/leads?schema=staging', 'postgres://app@db/leads', 'staging'],
    [
      'postgres://app@db/leads?sslmode=require&schema=es_1',
      'postgres://app@db/leads?sslmode=require',
      'es_1',
    ],
    [
      'postgres://app@db/leads?schema=es_1&sslmode=require',
      'postgres://app@db/leads?sslmode=require',
      'es_1',
    ],
  ])('takes the schema out of %s', (url, target, schema) => {
    expect(parseEventStoreUrl(url)).toEqual({ kind: 'postgres', target, schema });
  });

  it.each(['', 'mysql://db/leads', 'postgres://db/leads?schema=Robert%27);DROP', './.data', 'pglite://'])(
    'refuses %j with a message naming EVENT_STORE',
    (url) => {
      expect(() => parseEventStoreUrl(url)).toThrow(InvalidEventStoreUrlError);
      expect(() => parseEventStoreUrl(url)).toThrow(/EVENT_STORE/);
    },
  );
});
