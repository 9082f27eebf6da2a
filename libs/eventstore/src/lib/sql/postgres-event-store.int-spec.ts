import { dropSchema, testPostgresUrl, uniqueSchemaName } from '@leadledger/testing';
import { describeEventStoreContract } from '../../testing';
import { PgDriver } from './pg-driver';
import { SqlEventStore } from './sql-event-store';

const schema = uniqueSchemaName('es_contract');

describeEventStoreContract(
  'PostgreSQL',
  async () =>
    SqlEventStore.open(new PgDriver({ connectionString: await testPostgresUrl(), max: 20 }), { schema }),
  async (store) => {
    await store.close();
    await dropSchema(await testPostgresUrl(), schema);
  },
);
