import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import {
  ADMIN_HEADERS,
  TEST_ADMIN_KEY,
  dropSchema,
  eventually,
  testPostgresUrl,
  uniqueSchemaName,
} from '@leadledger/testing';
import { createServiceApp, type ServiceDefinition } from '../bootstrap';

/** Only what every service has: the platform, its key routes and dead letters. */
const BARE: ServiceDefinition = {
  service: 'access-test',
  title: 'test',
  modules: [],
  requireKafka: false,
  relay: false,
};

/** Two services of one deployment: separate processes in production, separate apps on one PostgreSQL store here. */
describe('API keys across the services of a deployment (PostgreSQL)', () => {
  const schema = uniqueSchemaName('access');
  let url: string;
  const apps: INestApplication[] = [];

  const start = async (env: NodeJS.ProcessEnv = {}) => {
    const app = await createServiceApp(BARE, {
      EVENT_STORE: `${url}?schema=${schema}`,
      LOG_LEVEL: 'silent',
      ...env,
    });
    apps.push(app);
    await app.init();
    return app;
  };

  beforeAll(async () => {
    url = await testPostgresUrl();
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await dropSchema(url, schema);
  });

  it('refuses to start a service nobody could authenticate to', async () => {
    const app = await createServiceApp(BARE, { EVENT_STORE: `${url}?schema=${schema}`, LOG_LEVEL: 'silent' });
    try {
      await expect(app.init()).rejects.toThrow(/no way to authenticate: set LEADLEDGER_ADMIN_KEY/);
    } finally {
      await app.close();
    }
  }, 60_000);

  it('shares keys between services: one issues and revokes, the other admits and then refuses within seconds', async () => {
    const first = await start({ LEADLEDGER_ADMIN_KEY: TEST_ADMIN_KEY });
    // The admin key is in the store now: a second service needs no key of its own to start.
    const second = await start();

    const { body: issued } = await request(first.getHttpServer())
      .post('/admin/api-keys')
      .set(ADMIN_HEADERS)
      .send({ role: 'admin', principal: 'ops' })
      .expect(201);
    const asNewKey = { Authorization: `Bearer ${issued.key}` };
    await request(second.getHttpServer()).get('/admin/api-keys').set(asNewKey).expect(200);

    await request(first.getHttpServer())
      .delete(`/admin/api-keys/${issued.id}`)
      .set(ADMIN_HEADERS)
      .expect(204);
    await eventually(async () => {
      const { status } = await request(second.getHttpServer()).get('/admin/api-keys').set(asNewKey);
      return status === 401 ? status : undefined;
    }, 10_000);
  }, 60_000);

  it('never brings back a revoked LEADLEDGER_ADMIN_KEY', async () => {
    const revoker = await start({ LEADLEDGER_ADMIN_KEY: TEST_ADMIN_KEY });
    const { body } = await request(revoker.getHttpServer())
      .get('/admin/api-keys')
      .set(ADMIN_HEADERS)
      .expect(200);
    const { id } = body.find((key: { principal: string }) => key.principal === 'admin');
    await request(revoker.getHttpServer()).delete(`/admin/api-keys/${id}`).set(ADMIN_HEADERS).expect(204);

    const again = await createServiceApp(BARE, {
      EVENT_STORE: `${url}?schema=${schema}`,
      LOG_LEVEL: 'silent',
      LEADLEDGER_ADMIN_KEY: TEST_ADMIN_KEY,
    });
    try {
      await expect(again.init()).rejects.toThrow(/was revoked/);
    } finally {
      await again.close();
    }
  }, 60_000);
});

describe('services starting together on a fresh PostgreSQL store', () => {
  it('set up the read schema once between them, whichever creates it', async () => {
    const url = await testPostgresUrl();
    for (let round = 0; round < 3; round++) {
      const schema = uniqueSchemaName('startup');
      const env = {
        EVENT_STORE: `${url}?schema=${schema}`,
        LOG_LEVEL: 'silent',
        LEADLEDGER_ADMIN_KEY: TEST_ADMIN_KEY,
      };
      const apps = await Promise.all([1, 2, 3].map(() => createServiceApp(BARE, env)));
      try {
        // Dead-letter archive, projection runners and key bootstrap of three services, all at once.
        await Promise.all(apps.map((app) => app.init()));
      } finally {
        for (const app of apps) await app.close();
        await dropSchema(url, schema);
      }
    }
  }, 120_000);
});
