/**
 * Lead intake through the embedded pipeline as `npm start` runs it (PGlite in memory here, the
 * in-process bus, relay and scoring running): one POST /leads:batch of 1,000 new leads, then the
 * same batch again (all duplicates), then single POST /leads.
 *
 *   npm run bench -- intake
 *   BENCH_SINGLES=0 npm run bench -- intake    the batches only
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { startServiceApp } from '@leadledger/platform';
import { ADMIN_HEADERS, TEST_ADMIN_KEY } from '@leadledger/testing';
import request from 'supertest';
import { PIPELINE } from '../../apps/pipeline/src/pipeline';
import { recordResults, type BenchRow } from './results';

async function main(): Promise<void> {
  const app = await startServiceApp(PIPELINE, {
    EVENT_STORE: 'pglite://memory',
    LOG_LEVEL: 'warn',
    LEADLEDGER_ADMIN_KEY: TEST_ADMIN_KEY,
  });
  const server = app.getHttpServer();
  const { key } = (
    await request(server)
      .post('/admin/api-keys')
      .set(ADMIN_HEADERS)
      .send({ role: 'ingest', principal: 'bench' })
      .expect(201)
  ).body as { key: string };
  // As an integration sends them: with an ingest key, so authentication and the rate limit count too.
  const ingest = () => request.agent(server).set('Authorization', `Bearer ${key}`);
  const leads = Array.from({ length: 1_000 }, (_, i) => ({
    source: 'import',
    contact: {
      email: `lead-${i}-${randomUUID().slice(0, 8)}@example-${i % 50}.com`,
      jobTitle: 'Head of Sales',
    },
    company: { name: `Company ${i % 50}`, size: 100 + i, country: 'DE' },
  }));
  const startedAt = new Date();
  const rows: BenchRow[] = [];
  const perLead = (measurement: string, ms: number, count: number) =>
    rows.push({ subject: 'pipeline (PGlite, memory)', measurement, value: ms / count, unit: 'ms per lead' });

  let started = performance.now();
  const first = await ingest().post('/leads:batch').send({ leads }).expect(200);
  perLead('POST /leads:batch, 1,000 new leads', performance.now() - started, first.body.results.length);

  started = performance.now();
  const again = await ingest().post('/leads:batch').send({ leads }).expect(200);
  perLead('the same batch again (all duplicates)', performance.now() - started, again.body.results.length);

  const singles = Number(process.env.BENCH_SINGLES ?? 200);
  started = performance.now();
  for (let i = 0; i < singles; i++) {
    await ingest()
      .post('/leads')
      .send({ source: 'web_form', contact: { email: `single-${i}-${randomUUID().slice(0, 8)}@acme.io` } })
      .expect(202);
  }
  if (singles > 0) perLead(`POST /leads, ${singles} one after another`, performance.now() - started, singles);
  await app.close();

  recordResults('intake', startedAt, rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
