import { randomUUID } from 'node:crypto';
import { KAFKA_HEADERS, LEADS_LIFECYCLE_TOPIC, leadStreamId } from '@leadledger/contracts';
import { LEAD_CAPTURE_SERVICE } from '@leadledger/lead-capture';
import { MARKETING_SCORING_SERVICE } from '@leadledger/marketing-scoring';
import { startServiceApp } from '@leadledger/platform';
import {
  ADMIN_HEADERS,
  asAdmin,
  dropSchema,
  eventually,
  parseExposition,
  realServicesEnvironment,
  recordTopics,
  startPipelineProcess,
  testPostgresUrl,
  uniqueSchemaName,
  type PipelineProcess,
  type ReceivedMessage,
  type TopicRecorder,
} from '@leadledger/testing';
import type { INestApplication } from '@nestjs/common';
import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import request from 'supertest';
import { shippedSalesConfig } from './testing/sales-fixtures';

const MQL = 'leadledger.lead.marketing-qualified.v1';
const ASSIGNED = 'leadledger.lead.assigned-to-sales.v1';
const CONVERTED = 'leadledger.lead.converted-to-opportunity.v1';

/**
 * As deployed: lead-capture (with the relay) and marketing-scoring on one PostgreSQL store, and
 * sales-acceptance as a process of its own, the real broker between them.
 */
describe('sales-acceptance as its own process on PostgreSQL and Kafka', () => {
  const schema = uniqueSchemaName('sales');
  const config = shippedSalesConfig();
  let capture: INestApplication;
  let scoring: INestApplication;
  let sales: PipelineProcess;
  let producer: Producer;
  let recorder: TopicRecorder;

  beforeAll(async () => {
    const env = await realServicesEnvironment(schema);
    const brokers = env.KAFKA_BROKERS.split(',');
    recorder = await recordTopics(brokers, [LEADS_LIFECYCLE_TOPIC]);
    capture = await startServiceApp(LEAD_CAPTURE_SERVICE, env);
    scoring = await startServiceApp(MARKETING_SCORING_SERVICE, env);
    sales = await startPipelineProcess(env, { app: 'apps/sales-acceptance/src/main.ts' });
    producer = new Kafka({ clientId: 'sales-spec', brokers, logLevel: logLevel.WARN }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled([producer?.disconnect(), recorder?.stop()]);
    await sales?.stop();
    await scoring?.close();
    await capture?.close();
    await dropSchema(await testPostgresUrl(), schema);
  });

  it('assigns an MQL, lets only its owner act, and converts it exactly once however often the MQL is delivered', async () => {
    const leadId = await captureMql();
    const mql = await eventually(() => of(leadId, MQL), 60_000);
    await redeliver(mql);

    const assignment = JSON.parse((await eventually(() => of(leadId, ASSIGNED), 60_000)).value);
    const team = config.team.teams.find(({ id }) => id === assignment.team);
    expect(team?.id).toBe('dach-enterprise');
    expect(team?.reps.map(({ id }) => id)).toContain(assignment.owner);
    expect(Date.parse(assignment.slaDueAt)).toBeGreaterThan(Date.now());

    const owner = await keyFor('rep', assignment.owner, assignment.team);
    const otherRep = team?.reps.find(({ id }) => id !== assignment.owner)?.id as string;
    const intruder = await keyFor('rep', otherRep, assignment.team);

    await call('post', `/leads/${leadId}/accept`, intruder).expect(403);
    const queue = await call('get', '/sales/queue', owner).expect(200);
    expect(queue.body.leads.map((lead: { leadId: string }) => lead.leadId)).toContain(leadId);

    await call('post', `/leads/${leadId}/accept`, owner).expect(200, /"stage":"sql"/);
    await call('post', `/leads/${leadId}/accept`, owner).expect(409, /a lead is accepted once/);
    await call('post', `/leads/${leadId}/convert`, owner).expect(422, /3 of 4 criteria/);

    await qualify(owner, leadId, { criterion: 'budget', amount: { value: '125000.00', currency: 'EUR' } });
    await qualify(owner, leadId, { criterion: 'authority' });
    const qualified = await qualify(owner, leadId, { criterion: 'need' });
    expect(qualified.body).toMatchObject({ stage: 'qualified', qualification: { satisfied: true } });

    const converted = await call('post', `/leads/${leadId}/convert`, owner).expect(200);
    expect(converted.body).toMatchObject({ stage: 'converted', opportunityId: expect.any(String) });

    // The MQL once more after the conversion: nothing is assigned or converted again.
    await redeliver(mql);
    const conversion = await eventually(() => of(leadId, CONVERTED), 60_000);
    expect(JSON.parse(conversion.value)).toMatchObject({
      opportunityId: converted.body.opportunityId,
      owner: assignment.owner,
      amount: { amountMinor: 12_500_000, currency: 'EUR' },
    });
    expect(all(leadId, ASSIGNED)).toHaveLength(1);
    expect(all(leadId, CONVERTED)).toHaveLength(1);
    const metrics = parseExposition((await call('get', '/metrics').expect(200)).text);
    expect(metrics.get('leadledger_sales_handoff_seconds')?.samples.length).toBeGreaterThan(0);
  });

  /** Captures a lead the shipped scoring model qualifies: a fit company, a demo request and pricing views. */
  async function captureMql(): Promise<string> {
    const { body } = await asAdmin(capture)
      .post('/leads')
      .send({
        source: 'web_form',
        contact: { email: `${randomUUID()}@kunde-gmbh.de`, jobTitle: 'Head of Sales Operations' },
        company: { name: 'Kunde GmbH', size: 400, industry: 'software', country: 'DE' },
      })
      .expect(202);
    const now = new Date().toISOString();
    for (const activity of ['demo_requested', 'pricing_page_view']) {
      await asAdmin(capture)
        .post(`/leads/${body.leadId}/engagements`)
        .send({ activity, occurredAt: now })
        .expect(202);
    }
    return body.leadId;
  }

  /**
   * The very message again, as a rebalance or a relay restart would deliver it; resolves once the
   * sales-acceptance process has consumed it (its consumed counter moved).
   */
  async function redeliver(message: ReceivedMessage): Promise<void> {
    const before = await consumedMqls();
    await producer.send({
      topic: LEADS_LIFECYCLE_TOPIC,
      messages: [{ key: message.key, value: message.value, headers: message.headers }],
    });
    await eventually(async () => ((await consumedMqls()) > before ? true : undefined), 60_000, 250);
  }

  async function consumedMqls(): Promise<number> {
    const metrics = parseExposition((await call('get', '/metrics').expect(200)).text);
    return (metrics.get('leadledger_events_consumed_total')?.samples ?? [])
      .filter(
        (sample) =>
          sample.labels.event_type?.includes('marketing-qualified') ||
          sample.labels.event_type === 'LeadMarketingQualified',
      )
      .reduce((sum, sample) => sum + sample.value, 0);
  }

  async function keyFor(role: string, principal: string, team: string): Promise<string> {
    const { body } = await call(
      'post',
      '/admin/api-keys',
      ADMIN_HEADERS.Authorization.slice('Bearer '.length),
    )
      .send({ role, principal, team })
      .expect(201);
    return body.key;
  }

  function qualify(key: string, leadId: string, fields: Record<string, unknown>) {
    return call('post', `/leads/${leadId}/qualification`, key)
      .send({ framework: 'bant', value: 'met', evidence: 'confirmed on the discovery call', ...fields })
      .expect(200);
  }

  function call(method: 'get' | 'post', path: string, key?: string) {
    // Against the process's real socket.
    const test = request(sales.baseUrl)[method](path);
    return key ? test.set('Authorization', `Bearer ${key}`) : test;
  }

  function all(leadId: string, type: string): ReceivedMessage[] {
    return recorder.received.filter(
      (message) => message.key === leadStreamId(leadId) && message.headers[KAFKA_HEADERS.type] === type,
    );
  }

  function of(leadId: string, type: string): ReceivedMessage | undefined {
    return all(leadId, type)[0];
  }
});
