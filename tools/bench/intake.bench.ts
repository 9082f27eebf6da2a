/**
 * Lead intake through the embedded pipeline as `npm start` runs it (PGlite in memory here, the
 * in-process bus, relay and scoring running): one POST /leads:batch of 1,000 new leads, then the
 * same batch again (all duplicates), then single POST /leads.
 *
 *   npm run bench
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { startServiceApp } from '@leadledger/platform';
import { ADMIN_HEADERS, TEST_ADMIN_KEY } from '@leadledger/testing';
import request from 'supertest';
import { PIPELINE } from '../../apps/pipeline/src/pipeline';

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
  const rows: Array<[string, string]> = [];

  let started = performance.now();
  const first = await ingest().post('/leads:batch').send({ leads }).expect(200);
  rows.push([
    'POST /leads:batch, 1,000 new leads',
    perLead(performance.now() - started, first.body.results.length),
  ]);

  started = performance.now();
  const again = await ingest().post('/leads:batch').send({ leads }).expect(200);
  rows.push([
    'the same batch again (all duplicates)',
    perLead(performance.now() - started, again.body.results.length),
  ]);

  const singles = Number(process.env.SINGLES ?? 200);
  started = performance.now();
  for (let i = 0; i < singles; i++) {
    await ingest()
      .post('/leads')
      .send({ source: 'web_form', contact: { email: `single-${i}-${randomUUID().slice(0, 8)}@acme.io` } })
      .expect(202);
  }
  rows.push([`POST /leads, ${singles} one after another`, perLead(performance.now() - started, singles)]);
  await app.close();

  for (const [measurement, value] of rows)
    console.log(`| ${measurement.padEnd(40)} | ${value.padStart(22)} |`);
}

function perLead(ms: number, count: number): string {
  return `${(ms / count).toFixed(2)} ms per lead`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
