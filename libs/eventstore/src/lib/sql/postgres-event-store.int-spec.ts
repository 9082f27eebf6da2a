import { dropSchema, testPostgresUrl, uniqueSchemaName } from '@leadledger/testing';
import { describeCheckpointStoreContract, describeEventStoreContract } from '../../testing';
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

describeCheckpointStoreContract('PostgreSQL', async () => {
  const url = await testPostgresUrl();
  const checkpointSchema = uniqueSchemaName('es_checkpoints');
  const store = await SqlEventStore.open(new PgDriver({ connectionString: url }), {
    schema: checkpointSchema,
  });
  return {
    checkpoints: store.checkpoints,
    close: async () => {
      await store.close();
      await dropSchema(url, checkpointSchema);
    },
  };
});
