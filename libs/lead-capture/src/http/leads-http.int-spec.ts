import { randomUUID } from 'node:crypto';
import { KAFKA_HEADERS, LEADS_INBOUND_TOPIC, deadLetterTopicOf } from '@leadledger/contracts';
import type { IncomingMessage, MessageBus } from '@leadledger/messaging';
import { createServiceApp, EVENT_STORE, MESSAGE_BUS, type ServiceDefinition } from '@leadledger/platform';
import { eventually, TEST_ADMIN_KEY, asAdmin } from '@leadledger/testing';
import type { EventStore } from '@leadledger/eventstore';
import type { INestApplication } from '@nestjs/common';
import { LeadCaptureModule } from '../lead-capture.module';

/** lead-capture alone on PGlite in memory, without Kafka: what its HTTP adapter answers. */
const LEAD_CAPTURE_IN_MEMORY: ServiceDefinition = {
  service: 'lead-capture',
  title: 'leadledger lead-capture',
  eventStoreUrl: 'pglite://memory',
  modules: [LeadCaptureModule],
  requestClasses: LeadCaptureModule.requestClasses,
  requireKafka: false,
  relay: false,
};

const ERROR_SHAPE = {
  statusCode: expect.any(Number),
  error: expect.any(String),
  message: expect.any(String),
  code: expect.any(String),
};

describe('lead-capture over HTTP', () => {
  let app: INestApplication;
  let store: EventStore;
  let bus: MessageBus;
  const deadLetters: IncomingMessage[] = [];

  beforeAll(async () => {
    app = await createServiceApp(LEAD_CAPTURE_IN_MEMORY, {
      LOG_LEVEL: 'silent',
      LEADLEDGER_ADMIN_KEY: TEST_ADMIN_KEY,
    });
    store = app.get<EventStore>(EVENT_STORE);
    bus = app.get<MessageBus>(MESSAGE_BUS);
    await bus.consume({
      groupId: `observer-${randomUUID()}`,
      topics: [deadLetterTopicOf(LEADS_INBOUND_TOPIC)],
      handleBatch: async (batch) => void deadLetters.push(...batch),
    });
    await app.startAllMicroservices();
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
  });

  const http = () => asAdmin(app);
  const lead = (email: string) => ({ source: 'web_form', contact: { email } });

  describe('Idempotency-Key', () => {
    it('refuses the same key with another body (422), leaving the second person unclaimed and unsubmitted', async () => {
      const key = randomUUID();
      const first = await http().post('/leads').set('Idempotency-Key', key).send(lead('p1@example.com'));
      expect(first.status).toBe(202);

      const second = await http().post('/leads').set('Idempotency-Key', key).send(lead('p2@example.com'));

      expect(second.status).toBe(422);
      expect(second.body).toMatchObject({ ...ERROR_SHAPE, statusCode: 422, code: 'idempotency_key_reused' });
      // p2 is a stranger still: submitted without a key, it becomes a lead of its own.
      const p2 = await http().post('/leads').send(lead('p2@example.com')).expect(202);
      expect(p2.body).toMatchObject({ outcome: 'captured', replayed: false });
      expect(p2.body.leadId).not.toBe(first.body.leadId);
    });

    it('replays the same key with the same body exactly as the first call answered', async () => {
      const key = randomUUID();
      const body = lead(`${randomUUID()}@example.com`);
      const first = await http().post('/leads').set('Idempotency-Key', key).send(body).expect(202);
      const retry = await http().post('/leads').set('Idempotency-Key', key).send(body).expect(202);

      expect(first.body).toEqual({ leadId: first.body.leadId, outcome: 'captured', replayed: false });
      expect(retry.body).toEqual({ ...first.body, replayed: true });
    });

    it('scopes a key to its route: the same key on an engagement is a new request', async () => {
      const key = randomUUID();
      const { body: captured } = await http()
        .post('/leads')
        .set('Idempotency-Key', key)
        .send(lead(`${randomUUID()}@example.com`))
        .expect(202);

      const engagement = await http()
        .post(`/leads/${captured.leadId}/engagements`)
        .set('Idempotency-Key', key)
        .send({ activity: 'pricing_page_view', occurredAt: '2026-11-20T10:00:00Z' })
        .expect(202);

      expect(engagement.body).toEqual({ leadId: captured.leadId, outcome: 'recorded', replayed: false });
    });

    it('answers 409 while another request holds the key', async () => {
      const key = randomUUID();
      const body = lead(`${randomUUID()}@example.com`);
      const route = 'POST /leads';
      const { IdempotencyKeys, fingerprintOf } = await import('../idempotency/idempotency-keys');
      const keys = new IdempotencyKeys(store, { now: () => new Date() });
      let finish!: () => void;
      let started!: () => void;
      const working = new Promise<void>((resolve) => (finish = resolve));
      const claimed = new Promise<void>((resolve) => (started = resolve));
      // Another replica holding the test admin's key (its scope is the caller): claimed, its work still under way.
      const holder = keys.once({ scope: 'admin', route, key, fingerprint: fingerprintOf(body) }, async () => {
        started();
        await working;
        return { answer: { leadId: randomUUID(), outcome: 'captured' } };
      });
      await claimed;

      const busy = await http().post('/leads').set('Idempotency-Key', key).send(body);
      finish();
      await holder;

      expect(busy.status).toBe(409);
      expect(busy.body).toMatchObject({ ...ERROR_SHAPE, statusCode: 409, code: 'idempotency_key_in_use' });
    });

    it('binds each batch item to its own body under <key>#<index>', async () => {
      const key = randomUUID();
      const [a, b] = [`${randomUUID()}@example.com`, `${randomUUID()}@example.com`];
      await http()
        .post('/leads:batch')
        .set('Idempotency-Key', key)
        .send({ leads: [lead(a)] })
        .expect(200);

      const { body } = await http()
        .post('/leads:batch')
        .set('Idempotency-Key', key)
        .send({ leads: [lead(b)] })
        .expect(200);

      expect(body.results).toEqual([{ index: 0, status: 'failed', error: 'idempotency_key_reused' }]);
      const stranger = await http().post('/leads').send(lead(b)).expect(202);
      expect(stranger.body.outcome).toBe('captured');
    });
  });

  describe('inbound messages', () => {
    it('dead-letters a second body under a used ce_id instead of merging its person into the first lead', async () => {
      const messageId = randomUUID();
      const [first, second] = [`${randomUUID()}@example.com`, `${randomUUID()}@example.com`];
      const message = (email: string) => ({
        topic: LEADS_INBOUND_TOPIC,
        key: messageId,
        value: JSON.stringify(lead(email)),
        headers: { [KAFKA_HEADERS.id]: messageId },
      });

      await bus.publish([message(first), message(second)]);

      const dead = await eventually(() => deadLetters.find((m) => m.value?.includes(second)));
      expect(dead.headers['dlq_error']).toContain('used before for another body');
      const stranger = await http().post('/leads').send(lead(second)).expect(202);
      expect(stranger.body.outcome).toBe('captured');
    });
  });

  describe('the actor', () => {
    it('is the authenticated key, whatever a header claims', async () => {
      const { body } = await http()
        .post('/leads')
        .set('X-Actor', 'system:relay')
        .send(lead(`${randomUUID()}@example.com`))
        .expect(202);

      const events = await http().get(`/leads/${body.leadId}/events`).expect(200);
      expect(events.body[0].actor).toMatch(/^api-key:[0-9a-f-]{36}$/);
      expect(events.body[0]).not.toHaveProperty('claimedActor');
    });
  });

  describe('errors', () => {
    it.each([
      ['an unknown route', () => http().get('/nowhere'), 404, 'not_found'],
      ['an unknown lead', () => http().get(`/leads/${randomUUID()}`), 404, 'not_found'],
      ['a malformed id', () => http().get('/leads/not-a-uuid'), 400, 'invalid_request'],
      ['invalid JSON', () => http().post('/leads').type('json').send('{"source":'), 400, 'invalid_request'],
      ['a refused body', () => http().post('/leads').send({ source: 'fax' }), 400, 'invalid_request'],
      [
        'a body over 4 MB',
        () =>
          http()
            .post('/leads')
            .type('json')
            .send(JSON.stringify({ pad: 'x'.repeat(4 * 1024 * 1024 + 1) })),
        413,
        'payload_too_large',
      ],
    ])('answers %s in the one error shape', async (_, send, statusCode, code) => {
      const { status, body } = await send();

      expect(status).toBe(statusCode);
      expect(body).toMatchObject({ ...ERROR_SHAPE, statusCode, code });
      expect(
        Object.keys(body).every((k) => ['statusCode', 'error', 'message', 'code', 'issues'].includes(k)),
      ).toBe(true);
    });
  });
  describe('identity under concurrency', () => {
    it('lands concurrent first submissions of one person on one lead', async () => {
      const email = `same-${randomUUID()}@example.com`;

      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          http()
            .post('/leads')
            .send({ ...lead(email), contact: { email, jobTitle: `Title ${i}` } })
            .expect(202),
        ),
      );

      expect(new Set(answers.map((answer) => answer.body.leadId)).size).toBe(1);
      expect(answers.filter((answer) => answer.body.outcome === 'captured')).toHaveLength(1);
    });

    it("runs a batch's items about one person in order, so a later item updates the lead an earlier one captured", async () => {
      const [ana, bo] = [`ana-${randomUUID()}@example.com`, `bo-${randomUUID()}@example.com`];

      const { body } = await http()
        .post('/leads:batch')
        .send({
          leads: [
            { source: 'import', contact: { email: ana } },
            { source: 'import', contact: { email: bo } },
            { source: 'import', contact: { email: ana.toUpperCase(), jobTitle: 'CFO' } },
            { source: 'import', externalRef: { system: 'crm', id: ana }, contact: { email: ana } },
            {
              source: 'import',
              externalRef: { system: 'crm', id: ana },
              contact: { phone: '+49 30 1234567' },
            },
          ],
        })
        .expect(200);

      const results = body.results as Array<{ leadId: string; outcome: string }>;
      expect(results.map((result) => result.outcome)).toEqual([
        'captured',
        'captured',
        'updated',
        'unchanged',
        'updated',
      ]);
      expect(new Set([0, 2, 3, 4].map((i) => results[i].leadId)).size).toBe(1);
      expect(results[1].leadId).not.toBe(results[0].leadId);
    });
  });
});
