import { testKafkaBrokers } from './kafka';
import { testPostgresUrl } from './postgres';
import { TEST_ADMIN_KEY } from './credentials';

/**
 * The environment a service app gets in integration tests: the real store in its own schema, the real
 * broker, and the test admin key.
 */
export async function realServicesEnvironment(
  schema: string,
): Promise<NodeJS.ProcessEnv & { KAFKA_BROKERS: string }> {
  const [databaseUrl, brokers] = await Promise.all([testPostgresUrl(), testKafkaBrokers()]);
  return {
    EVENT_STORE: `${databaseUrl}?schema=${schema}`,
    KAFKA_BROKERS: brokers.join(','),
    LOG_LEVEL: 'warn',
    LEADLEDGER_ADMIN_KEY: TEST_ADMIN_KEY,
  };
}
