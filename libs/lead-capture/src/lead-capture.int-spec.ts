import { randomUUID } from 'node:crypto';
import {
  KAFKA_HEADERS,
  LEADS_INBOUND_TOPIC,
  LEADS_LIFECYCLE_TOPIC,
  deadLetterTopicOf,
  leadStreamId,
} from '@leadledger/contracts';
import { EVENT_STORE, startServiceApp } from '@leadledger/platform';
import type { EventStore } from '@leadledger/eventsourcing';
import {
  dropSchema,
  eventually,
  parseExposition,
  realServicesEnvironment,
  recordTopics,
  sampleValue,
  testPostgresUrl,
  uniqueSchemaName,
  type ReceivedMessage,
  type TopicRecorder,
  asAdmin,
} from '@leadledger/testing';
import type { INestApplication } from '@nestjs/common';
import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import { LEAD_CAPTURE_SERVICE } from './lead-capture.service-definition';

/** lead-capture as deployed: its own app on PostgreSQL and the real broker, with its relay. */
describe('lead-capture on PostgreSQL and Kafka', () => {
  const schema = uniqueSchemaName('lead_capture');
  let app: INestApplication;
  let producer: Producer;
  let recorder: TopicRecorder;
  let received: ReceivedMessage[];

  // Services start and join consumer groups: slower than the global 30 s guard when every suite runs at once.
  beforeAll(async () => {
    const env = await realServicesEnvironment(schema);
    const brokers = env.KAFKA_BROKERS.split(',');
    app = await startServiceApp(LEAD_CAPTURE_SERVICE, {
      ...env,
      LEADS_INBOUND_PRODUCER: 'integration:event-bridge',
    });

    recorder = await recordTopics(brokers, [LEADS_LIFECYCLE_TOPIC, deadLetterTopicOf(LEADS_INBOUND_TOPIC)]);
    received = recorder.received;
    producer = new Kafka({ clientId: 'lead-capture-spec', brokers, logLevel: logLevel.WARN }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([producer?.disconnect(), recorder?.stop()]);
    await app?.close();
    await dropSchema(await testPostgresUrl(), schema);
  });

  it('publishes a lead submitted over HTTP to the lifecycle topic as a CloudEvent keyed by its stream', async () => {
    const email = `${randomUUID()}@acme.io`;

    const response = await asAdmin(app)
      .post('/leads')
      .send({
        source: 'web_form',
        contact: { email, firstName: 'Ana' },
        company: { name: 'Acme', size: 250 },
      })
      .expect(202);

    const { leadId } = response.body;
    const message = await eventually(() => received.find((m) => m.key === leadStreamId(leadId)));
    expect(message.topic).toBe(LEADS_LIFECYCLE_TOPIC);
    expect(message.headers).toMatchObject({
      [KAFKA_HEADERS.specversion]: '1.0',
      [KAFKA_HEADERS.type]: 'leadledger.lead.captured.v1',
      [KAFKA_HEADERS.source]: '/leadledger/lead-capture',
      [KAFKA_HEADERS.subject]: leadStreamId(leadId),
      [KAFKA_HEADERS.actor]: expect.stringMatching(/^api-key:[0-9a-f-]{36}$/),
      [KAFKA_HEADERS.datacontenttype]: 'application/json',
    });
    expect(message.headers[KAFKA_HEADERS.correlationid]).toBeTruthy();
    expect(JSON.parse(message.value)).toMatchObject({ leadId, source: 'web_form', contact: { email } });
  });

  it('captures a lead published on the inbound topic; a redelivery of the message creates nothing more', async () => {
    // A phone is a handle but no identity key: only the message's id can tell a redelivery from a new lead.
    const phone = `+49 30 ${Date.now()}`;
    const inbound = {
      key: phone,
      value: JSON.stringify({ source: 'event', sourceDetail: 'saastr', contact: { phone, jobTitle: 'CFO' } }),
      headers: { [KAFKA_HEADERS.id]: randomUUID(), [KAFKA_HEADERS.actor]: 'integration:event-app' },
    };

    await producer.send({ topic: LEADS_INBOUND_TOPIC, messages: [inbound] });
    await producer.send({ topic: LEADS_INBOUND_TOPIC, messages: [inbound] });
    const marker = await submitMarkerBehind(inbound.key);
    await eventually(() => received.find((m) => m.key === leadStreamId(marker)));

    const captures = received.filter(
      (m) => m.topic === LEADS_LIFECYCLE_TOPIC && JSON.parse(m.value).contact?.phone === phone,
    );
    expect(captures).toHaveLength(1);
    // Recognized, not refused: a redelivery must not end up as a dead letter either.
    expect(
      received.filter((m) => m.topic === deadLetterTopicOf(LEADS_INBOUND_TOPIC) && m.key === phone),
    ).toEqual([]);
    expect(captures[0].headers).toMatchObject({
      [KAFKA_HEADERS.type]: 'leadledger.lead.captured.v1',
      // The configured producer of the topic; what the message said of itself is only claimed.
      [KAFKA_HEADERS.actor]: 'integration:event-bridge',
    });
    const [stored] = await app.get<EventStore>(EVENT_STORE).readStream(captures[0].key as string);
    expect(stored.metadata).toMatchObject({
      actor: 'integration:event-bridge',
      claimedActor: 'integration:event-app',
    });
  });

  it('answers a retried engagement with the same Idempotency-Key as the first time, recording it once', async () => {
    const { body: lead } = await asAdmin(app)
      .post('/leads')
      .send({ source: 'web_form', contact: { email: `${randomUUID()}@eps.io` } })
      .expect(202);
    const engagement = {
      activity: 'pricing_page_view',
      detail: '/pricing',
      occurredAt: '2026-11-20T10:00:00Z',
    };
    const key = randomUUID();

    const first = await asAdmin(app)
      .post(`/leads/${lead.leadId}/engagements`)
      .set('Idempotency-Key', key)
      .send(engagement)
      .expect(202);
    const retry = await asAdmin(app)
      .post(`/leads/${lead.leadId}/engagements`)
      .set('Idempotency-Key', key)
      .send(engagement)
      .expect(202);
    const another = await asAdmin(app).post(`/leads/${lead.leadId}/engagements`).send(engagement).expect(202);

    expect(first.body).toEqual({ leadId: lead.leadId, outcome: 'recorded', replayed: false });
    expect(retry.body).toEqual({ leadId: lead.leadId, outcome: 'recorded', replayed: true });
    expect(another.body).toMatchObject({ outcome: 'recorded', replayed: false });
    const events = await asAdmin(app).get(`/leads/${lead.leadId}/events`).expect(200);
    expect(events.body.map((e: { type: string }) => e.type)).toEqual([
      'LeadCaptured',
      'LeadEngagementRecorded',
      'LeadEngagementRecorded',
    ]);
  });

  it('recognizes a duplicate submission: one lead, one capture, over HTTP and Kafka alike', async () => {
    const email = `${randomUUID()}@gamma.io`;
    const body = { source: 'newsletter', contact: { email } };

    const first = await asAdmin(app).post('/leads').send(body).expect(202);
    const second = await asAdmin(app)
      .post('/leads')
      .send({ ...body, contact: { email: ` ${email.toUpperCase()} ` } })
      .expect(202);
    await producer.send({
      topic: LEADS_INBOUND_TOPIC,
      messages: [{ key: email, value: JSON.stringify(body) }],
    });
    const marker = await submitMarkerBehind(email);
    await eventually(() => received.find((m) => m.key === leadStreamId(marker)));

    expect(second.body).toEqual({ leadId: first.body.leadId, outcome: 'unchanged', replayed: false });
    const events = await asAdmin(app).get(`/leads/${first.body.leadId}/events`).expect(200);
    expect(events.body.map((e: { type: string }) => e.type)).toEqual(['LeadCaptured']);
  });

  it('dead-letters a malformed inbound message with its reason, and handles the next message on its partition', async () => {
    const key = `poison-${randomUUID()}`;
    const email = `${randomUUID()}@delta.io`;

    await producer.send({
      topic: LEADS_INBOUND_TOPIC,
      messages: [
        { key, value: JSON.stringify({ source: 'fax', contact: { email: 'not-an-email' } }) },
        { key, value: '{not json' },
        { key, value: JSON.stringify({ source: 'referral', contact: { email } }) },
      ],
    });

    const healthy = await eventually(() =>
      received.find((m) => m.topic === LEADS_LIFECYCLE_TOPIC && m.value.includes(email)),
    );
    const dead = await eventually(() => {
      const letters = received.filter(
        (m) => m.topic === deadLetterTopicOf(LEADS_INBOUND_TOPIC) && m.key === key,
      );
      return letters.length === 2 ? letters : undefined;
    });
    expect(JSON.parse(healthy.value)).toMatchObject({ source: 'referral' });
    expect(dead[0].headers).toMatchObject({
      dlq_error_type: 'PermanentMessageError',
      dlq_original_topic: LEADS_INBOUND_TOPIC,
    });
    expect(dead[0].headers.dlq_error).toContain('source: must be one of the following values');
    expect(dead[0].headers.dlq_error).toContain('contact.email: must be an email');
    expect(dead[1].headers.dlq_error).toContain('not JSON');
    expect(Number(dead[1].headers.dlq_original_offset)).toBe(Number(dead[0].headers.dlq_original_offset) + 1);
  });

  it('serves /metrics in the Prometheus text format, with counters that move', async () => {
    const before = parseExposition((await asAdmin(app).get('/metrics').expect(200)).text);
    const captured = { event_type: 'leadledger.lead.captured.v1' };
    const appendedBefore = sampleValue(before, 'leadledger_events_appended_total', captured) ?? 0;

    const { body } = await asAdmin(app)
      .post('/leads')
      .send({ source: 'other', contact: { phone: '+1 555 0100' } })
      .expect(202);
    await eventually(() => received.find((m) => m.key === leadStreamId(body.leadId)));

    const after = parseExposition((await asAdmin(app).get('/metrics').expect(200)).text);
    expect(sampleValue(after, 'leadledger_events_appended_total', captured)).toBe(appendedBefore + 1);
    expect(
      sampleValue(after, 'leadledger_events_published_total', { ...captured, topic: LEADS_LIFECYCLE_TOPIC }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(after, 'leadledger_http_request_duration_seconds_count', {
        route: '/leads',
        status_code: '202',
      }),
    ).toBeGreaterThan(0);
    expect(sampleValue(after, 'leadledger_relay_position', { relay: 'lifecycle' })).toBeGreaterThan(0);
  });

  /**
   * Kafka keeps one key's messages in order: a marker lead submitted behind `key` is captured only
   * after everything before it on that partition was handled.
   */
  async function submitMarkerBehind(key: string): Promise<string> {
    const markerEmail = `${randomUUID()}@marker.io`;
    await producer.send({
      topic: LEADS_INBOUND_TOPIC,
      messages: [{ key, value: JSON.stringify({ source: 'other', contact: { email: markerEmail } }) }],
    });
    const marker = await eventually(() => received.find((m) => m.value.includes(markerEmail)));
    return JSON.parse(marker.value).leadId;
  }
});
