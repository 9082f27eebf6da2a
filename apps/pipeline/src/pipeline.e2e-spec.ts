import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEADS_INBOUND_TOPIC, deadLetterTopicOf } from '@leadledger/contracts';
import type { IncomingMessage, MessageBus } from '@leadledger/messaging';
import { MESSAGE_BUS, createServiceApp } from '@leadledger/platform';
import { eventually, TEST_ADMIN_KEY, asAdmin } from '@leadledger/testing';
import type { INestApplication } from '@nestjs/common';
import { PIPELINE } from './pipeline';

/** The embedded pipeline as `npm start` runs it: PGlite on disk and the in-process bus, no Kafka. */
describe('pipeline on embedded defaults', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadledger-pipeline-'));
  let app: INestApplication;
  let deadLetters: IncomingMessage[];

  async function start(): Promise<void> {
    app = await createServiceApp(PIPELINE, {
      EVENT_STORE: `pglite://${dataDir}`,
      LOG_LEVEL: 'warn',
      LEADLEDGER_ADMIN_KEY: TEST_ADMIN_KEY,
    });
    deadLetters = [];
    const bus = app.get<MessageBus>(MESSAGE_BUS);
    await bus.consume({
      groupId: `observer-${randomUUID()}`,
      topics: [deadLetterTopicOf(LEADS_INBOUND_TOPIC)],
      handleBatch: async (batch) => void deadLetters.push(...batch),
    });
    await app.startAllMicroservices();
    await app.init();
  }

  async function eventNamesOf(leadId: string): Promise<string[]> {
    const { body } = await asAdmin(app).get(`/leads/${leadId}/events`).expect(200);
    return (body as Array<{ type: string }>).map((event) => event.type);
  }

  async function scoredEventually(leadId: string): Promise<string[]> {
    return eventually(async () => {
      const names = await eventNamesOf(leadId);
      return names.includes('LeadScored') ? names : undefined;
    });
  }

  beforeAll(start);

  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('captures a lead over HTTP, and reads it back at once from the lead views', async () => {
    const { body } = await asAdmin(app)
      .post('/leads')
      .send({ source: 'web_form', contact: { email: 'ana@acme.io' }, company: { name: 'Acme', size: 250 } })
      .expect(202);

    // No eventually(): the write answered once the read model had it.
    const lead = await asAdmin(app).get(`/leads/${body.leadId}`).expect(200);
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

    // Published is not handled (as on Kafka): wait for the second message's dead letter, which (same
    // key, same partition, in order) comes after the first message was handled.
    const [dead] = await eventually(() => (deadLetters.length > 0 ? deadLetters : undefined));
    const again = await asAdmin(app)
      .post('/leads')
      .send({ source: 'web_form', contact: { email: 'bo@beta.io' } })
      .expect(202);
    expect(again.body.outcome).toBe('unchanged');
    const lead = await asAdmin(app).get(`/leads/${again.body.leadId}`).expect(200);
    expect(lead.body.source).toBe('event');
    expect(dead.headers.dlq_error).toContain('a lead needs an email, a phone, or a source system');
  });

  it("refuses an inbound message that claims to be one of leadledger's own services", async () => {
    const bus = app.get<MessageBus>(MESSAGE_BUS);

    await bus.publish([
      {
        topic: LEADS_INBOUND_TOPIC,
        key: 'forged',
        value: JSON.stringify({ source: 'event', contact: { email: 'forged@beta.io' } }),
        headers: { ce_actor: 'system:relay' },
      },
    ]);

    const forged = await eventually(() => deadLetters.find((message) => message.key === 'forged'));
    expect(forged.headers.dlq_error).toMatch(/^ce_actor: .*system: is reserved/);
  });

  it('keeps a country no code matches as given, never refusing the lead, and counts it', async () => {
    const { body } = await asAdmin(app)
      .post('/leads')
      .send({
        source: 'event',
        contact: { email: 'apac@zeta.io' },
        company: { name: 'Zeta', country: 'Asia/Pacific Region' },
      })
      .expect(202);

    const lead = await asAdmin(app).get(`/leads/${body.leadId}`).expect(200);
    expect(lead.body.company).toEqual({ name: 'Zeta', countryAsGiven: 'Asia/Pacific Region' });
    const metrics = await asAdmin(app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /leadledger_lead_field_kept_as_given_total\{[^}]*field="company.country"[^}]*\} 1/,
    );
  });

  it('scores what it captures: a fit lead that engages becomes an MQL, in the same process', async () => {
    const { body } = await asAdmin(app)
      .post('/leads')
      .send({
        source: 'web_form',
        contact: { email: 'eva@epsilon.io', jobTitle: 'Head of Sales' },
        company: { name: 'Epsilon', size: 600, industry: 'saas', country: 'AT' },
      })
      .expect(202);
    await asAdmin(app)
      .post(`/leads/${body.leadId}/engagements`)
      .send({ activity: 'demo_requested', occurredAt: new Date().toISOString() })
      .expect(202);

    const score = await eventually(async () => {
      const response = await asAdmin(app).get(`/leads/${body.leadId}/score`);
      return response.status === 200 && response.body.mql ? response.body : undefined;
    });
    expect(score.total).toBe(score.fit + score.engagement);
    const lead = await asAdmin(app).get(`/leads/${body.leadId}`).expect(200);
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

    const accepted = await asAdmin(app).post('/leads:batch').send({ leads }).expect(200);
    const refused = await asAdmin(app)
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

  it('keeps its leads across a restart, and scores nothing twice: its consumers resume from their checkpoints', async () => {
    const { body } = await asAdmin(app)
      .post('/leads')
      .send({ source: 'referral', contact: { email: 'cy@gamma.io' } })
      .expect(202);
    expect((await scoredEventually(body.leadId)).filter((name) => name === 'LeadScored')).toHaveLength(1);

    await app.close();
    await start();

    await asAdmin(app).get(`/leads/${body.leadId}`).expect(200);
    const { body: fresh } = await asAdmin(app)
      .post('/leads')
      .send({ source: 'other', contact: { email: 'di@delta.io' } })
      .expect(202);
    await scoredEventually(fresh.leadId);
    expect((await eventNamesOf(body.leadId)).filter((name) => name === 'LeadScored')).toHaveLength(1);
  });
});
