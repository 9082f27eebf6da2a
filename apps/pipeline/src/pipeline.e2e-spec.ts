import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  KAFKA_HEADERS,
  LEADS_INBOUND_TOPIC,
  LEADS_LIFECYCLE_TOPIC,
  deadLetterTopicOf,
} from '@leadledger/contracts';
import type { IncomingMessage, MessageBus } from '@leadledger/messaging';
import { MESSAGE_BUS, createServiceApp } from '@leadledger/platform';
import { eventually } from '@leadledger/testing';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PIPELINE } from './pipeline';

/** The embedded pipeline as `npm start` runs it: PGlite on disk and the in-process bus, no Kafka. */
describe('pipeline on embedded defaults', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadledger-pipeline-'));
  let app: INestApplication;
  let lifecycle: IncomingMessage[];
  let deadLetters: IncomingMessage[];

  async function start(): Promise<void> {
    app = await createServiceApp(PIPELINE, { EVENT_STORE: `pglite://${dataDir}`, LOG_LEVEL: 'warn' });
    lifecycle = [];
    deadLetters = [];
    const bus = app.get<MessageBus>(MESSAGE_BUS);
    // Subscribed before the relay starts: the in-process bus keeps no log for late groups to read.
    await bus.consume({
      groupId: `observer-${randomUUID()}`,
      topics: [LEADS_LIFECYCLE_TOPIC, deadLetterTopicOf(LEADS_INBOUND_TOPIC)],
      handleBatch: async (batch) => {
        for (const message of batch)
          (message.topic === LEADS_LIFECYCLE_TOPIC ? lifecycle : deadLetters).push(message);
      },
    });
    await app.startAllMicroservices();
    await app.init();
  }

  beforeAll(start);

  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('captures a lead over HTTP and relays it as a CloudEvent to the lifecycle topic', async () => {
    const { body } = await request(app.getHttpServer())
      .post('/leads')
      .send({ source: 'web_form', contact: { email: 'ana@acme.io' }, company: { name: 'Acme', size: 250 } })
      .expect(202);

    const relayed = await eventually(() => lifecycle.find((m) => m.key === `lead-${body.leadId}`));
    expect(relayed.headers[KAFKA_HEADERS.type]).toBe('leadledger.lead.captured.v1');
    const lead = await request(app.getHttpServer()).get(`/leads/${body.leadId}`).expect(200);
    expect(lead.body).toMatchObject({
      stage: 'captured',
      contact: { email: 'ana@acme.io' },
      company: { size: 250 },
    });
  });

  it('takes submissions from the inbound topic on the in-process bus, and dead-letters what it cannot accept', async () => {
    const bus = app.get<MessageBus>(MESSAGE_BUS);

    await bus.publish([
      {
        topic: LEADS_INBOUND_TOPIC,
        key: 'bo',
        value: JSON.stringify({ source: 'event', contact: { email: 'Bo@Beta.io' } }),
        headers: {},
      },
      {
        topic: LEADS_INBOUND_TOPIC,
        key: 'bo',
        value: JSON.stringify({ source: 'event', contact: {} }),
        headers: {},
      },
    ]);

    const again = await request(app.getHttpServer())
      .post('/leads')
      .send({ source: 'web_form', contact: { email: 'bo@beta.io' } })
      .expect(202);
    expect(again.body.outcome).toBe('unchanged');
    const lead = await request(app.getHttpServer()).get(`/leads/${again.body.leadId}`).expect(200);
    expect(lead.body.source).toBe('event');
    const [dead] = await eventually(() => (deadLetters.length > 0 ? deadLetters : undefined));
    expect(dead.headers.dlq_error).toContain('a lead needs an email, a phone, or a source system');
  });

  it('scores what it captures: a fit lead that engages becomes an MQL, in the same process', async () => {
    const { body } = await request(app.getHttpServer())
      .post('/leads')
      .send({
        source: 'web_form',
        contact: { email: 'eva@epsilon.io', jobTitle: 'Head of Sales' },
        company: { name: 'Epsilon', size: 600, industry: 'saas', country: 'AT' },
      })
      .expect(202);
    await request(app.getHttpServer())
      .post(`/leads/${body.leadId}/engagements`)
      .send({ activity: 'demo_requested', occurredAt: new Date().toISOString() })
      .expect(202);

    const score = await eventually(async () => {
      const response = await request(app.getHttpServer()).get(`/leads/${body.leadId}/score`);
      return response.status === 200 && response.body.mql ? response.body : undefined;
    });
    expect(score.total).toBe(score.fit + score.engagement);
    const lead = await request(app.getHttpServer()).get(`/leads/${body.leadId}`).expect(200);
    expect(lead.body.stage).toBe('marketing_qualified');
  });

  it('takes a batch of 1,000 leads, the most it promises, and refuses one more with the reason', async () => {
    const leads = Array.from({ length: 1_000 }, (_, i) => ({
      source: 'import',
      sourceDetail: 'trade-fair-2026',
      contact: {
        email: `visitor-${i}@fair-${i % 40}.io`,
        firstName: 'Visitor',
        jobTitle: 'Head of Operations',
      },
      company: { name: `Exhibitor ${i % 40}`, size: 120, industry: 'logistics', country: 'DE' },
    }));

    const accepted = await request(app.getHttpServer()).post('/leads:batch').send({ leads }).expect(200);
    const refused = await request(app.getHttpServer())
      .post('/leads:batch')
      .send({ leads: [...leads, leads[0]] })
      .expect(400);

    expect(accepted.body.results.filter((r: { status: string }) => r.status === 'accepted')).toHaveLength(
      1_000,
    );
    expect(refused.body.issues).toEqual([
      { field: 'leads', reason: 'must contain no more than 1000 elements' },
    ]);
  }, 120_000);

  it('keeps its leads across a restart, and does not publish them again', async () => {
    const { body } = await request(app.getHttpServer())
      .post('/leads')
      .send({ source: 'referral', contact: { email: 'cy@gamma.io' } })
      .expect(202);
    await eventually(() => lifecycle.find((m) => m.key === `lead-${body.leadId}`));

    await app.close();
    await start();

    await request(app.getHttpServer()).get(`/leads/${body.leadId}`).expect(200);
    const { body: fresh } = await request(app.getHttpServer())
      .post('/leads')
      .send({ source: 'other', contact: { email: 'di@delta.io' } })
      .expect(202);
    await eventually(() => lifecycle.find((m) => m.key === `lead-${fresh.leadId}`));
    // Only the new lead's events are published after the restart: its capture and its first score.
    expect(new Set(lifecycle.map((m) => m.key))).toEqual(new Set([`lead-${fresh.leadId}`]));
  });
});
