import { randomUUID } from 'node:crypto';
import { KAFKA_HEADERS, LEADS_LIFECYCLE_TOPIC, leadStreamId } from '@leadledger/contracts';
import { LEAD_CAPTURE_SERVICE } from '@leadledger/lead-capture';
import { startServiceApp } from '@leadledger/platform';
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
import { MARKETING_SCORING_SERVICE } from './marketing-scoring.service-definition';

/** lead-capture and marketing-scoring as deployed: two services, one PostgreSQL store, the real broker between them. */
describe('marketing-scoring on PostgreSQL and Kafka', () => {
  const schema = uniqueSchemaName('scoring');
  let capture: INestApplication;
  let scoring: INestApplication;
  let producer: Producer;
  let recorder: TopicRecorder;

  // Services start and join consumer groups: slower than the global 30 s guard when every suite runs at once.
  beforeAll(async () => {
    const env = await realServicesEnvironment(schema);
    const brokers = env.KAFKA_BROKERS.split(',');
    recorder = await recordTopics(brokers, [LEADS_LIFECYCLE_TOPIC]);
    capture = await startServiceApp(LEAD_CAPTURE_SERVICE, env);
    scoring = await startServiceApp(MARKETING_SCORING_SERVICE, env);
    producer = new Kafka({ clientId: 'scoring-spec', brokers, logLevel: logLevel.WARN }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([producer?.disconnect(), recorder?.stop()]);
    await scoring?.close();
    await capture?.close();
    await dropSchema(await testPostgresUrl(), schema);
  });

  /**
   * The score view, once it shows what Kafka already carried: the relay and the view's projection
   * each follow the store on their own, so either may be first.
   */
  async function scoreViewShowing(leadId: string, shows: (view: Record<string, unknown>) => boolean) {
    return eventually(async () => {
      const response = await asAdmin(scoring).get(`/leads/${leadId}/score`);
      return response.status === 200 && shows(response.body) ? response : undefined;
    });
  }

  it('turns a capture and its engagements into an MQL on the lifecycle topic, every point explained', async () => {
    const leadId = await captureFitLead();
    const now = new Date().toISOString();

    await engage(leadId, 'demo_requested', now);
    await engage(leadId, 'pricing_page_view', now);

    const mql = await eventually(() => of(leadId, 'leadledger.lead.marketing-qualified.v1'));
    expect(mql.headers[KAFKA_HEADERS.source]).toBe('/leadledger/marketing-scoring');
    const score = await scoreViewShowing(leadId, (view) => view.mql === true);
    expect(score.body).toMatchObject({ mql: true, disqualified: false, modelVersion: '2026-11-a' });
    const parts = score.body.breakdown as Array<{
      points: number;
      axis: string;
      ruleId: string;
      eventId?: string;
    }>;
    expect(parts.reduce((sum, part) => sum + part.points, 0)).toBe(score.body.total);
    expect(parts.filter((part) => part.axis === 'engagement').every((part) => part.eventId)).toBe(true);
  });

  it('never counts an engagement twice when its event is delivered again', async () => {
    const leadId = await captureFitLead();
    await engage(leadId, 'whitepaper_download', new Date().toISOString());
    const engagementEvent = await eventually(() => of(leadId, 'leadledger.lead.engagement-recorded.v1'));
    await eventually(() =>
      of(leadId, 'leadledger.lead.scored.v1', (scored) => JSON.parse(scored.value).engagement > 0),
    );
    const before = (await scoreViewShowing(leadId, (view) => Number(view.engagement) > 0)).body;

    // The very message again, as a rebalance or a relay restart would deliver it.
    await producer.send({
      topic: LEADS_LIFECYCLE_TOPIC,
      messages: [
        { key: engagementEvent.key, value: engagementEvent.value, headers: engagementEvent.headers },
      ],
    });
    const marker = await captureFitLead();
    await eventually(() => of(marker, 'leadledger.lead.scored.v1'));

    const after = (await asAdmin(scoring).get(`/leads/${leadId}/score`).expect(200)).body;
    expect(after.engagement).toBe(before.engagement);
    expect(after.breakdown).toEqual(before.breakdown);
  });

  it('serves the model it scores with, and counts scored leads and MQLs by source', async () => {
    const model = await asAdmin(scoring).get('/scoring-model').expect(200);
    const metrics = parseExposition((await asAdmin(scoring).get('/metrics').expect(200)).text);

    expect(model.body).toMatchObject({ version: '2026-11-a', mql: { fit: 40, engagement: 30 } });
    expect(
      sampleValue(metrics, 'leadledger_leads_scored_total', { model_version: '2026-11-a' }),
    ).toBeGreaterThan(0);
    expect(sampleValue(metrics, 'leadledger_mqls_total', { source: 'web_form' })).toBeGreaterThan(0);
    expect(sampleValue(metrics, 'leadledger_lead_score_points_count', { axis: 'total' })).toBeGreaterThan(0);
  });

  async function captureFitLead(): Promise<string> {
    const { body } = await asAdmin(capture)
      .post('/leads')
      .send({
        source: 'web_form',
        contact: { email: `${randomUUID()}@acme-corp.io`, jobTitle: 'VP Sales' },
        company: { name: 'Acme', size: 400, industry: 'software', country: 'DE' },
      })
      .expect(202);
    return body.leadId;
  }

  async function engage(leadId: string, activity: string, occurredAt: string): Promise<void> {
    await asAdmin(capture).post(`/leads/${leadId}/engagements`).send({ activity, occurredAt }).expect(202);
  }

  function of(
    leadId: string,
    type: string,
    where: (message: ReceivedMessage) => boolean = () => true,
  ): ReceivedMessage | undefined {
    return recorder.received.find(
      (message) =>
        message.key === leadStreamId(leadId) &&
        message.headers[KAFKA_HEADERS.type] === type &&
        where(message),
    );
  }
});
