import { randomUUID } from 'node:crypto';
import {
  KAFKA_HEADERS,
  LEADS_LIFECYCLE_TOPIC,
  OPPORTUNITIES_LIFECYCLE_TOPIC,
  eventTypeOf,
  leadStreamId,
  opportunityStreamId,
} from '@leadledger/contracts';
import { openEventStorage, type EventStorage } from '@leadledger/eventstore';
import { LEAD_CAPTURE_SERVICE } from '@leadledger/lead-capture';
import { startServiceApp } from '@leadledger/platform';
import {
  asAdmin,
  dropSchema,
  eventually,
  parseExposition,
  realServicesEnvironment,
  recordTopics,
  testPostgresUrl,
  uniqueSchemaName,
  type ReceivedMessage,
  type TopicRecorder,
} from '@leadledger/testing';
import type { INestApplication } from '@nestjs/common';
import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import { OPPORTUNITY_SERVICE } from './opportunity.service-definition';

const OPENED = 'leadledger.opportunity.opened.v1';

/** lead-capture (with the relay) and opportunity on one PostgreSQL store, the real broker between them. */
describe('opportunity on PostgreSQL and Kafka', () => {
  const schema = uniqueSchemaName('opportunity');
  let capture: INestApplication;
  let opportunities: INestApplication;
  let storage: EventStorage;
  let producer: Producer;
  let recorder: TopicRecorder;

  beforeAll(async () => {
    const env = await realServicesEnvironment(schema);
    const brokers = env.KAFKA_BROKERS.split(',');
    recorder = await recordTopics(brokers, [LEADS_LIFECYCLE_TOPIC, OPPORTUNITIES_LIFECYCLE_TOPIC]);
    capture = await startServiceApp(LEAD_CAPTURE_SERVICE, env);
    opportunities = await startServiceApp(OPPORTUNITY_SERVICE, env);
    storage = await openEventStorage(env.EVENT_STORE as string);
    producer = new Kafka({ clientId: 'opportunity-spec', brokers, logLevel: logLevel.WARN }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([producer?.disconnect(), recorder?.stop(), storage?.close()]);
    await opportunities?.close();
    await capture?.close();
    await dropSchema(await testPostgresUrl(), schema);
  });

  it('opens exactly one opportunity from a conversion delivered twice, and guards writes with If-Match', async () => {
    const { leadId, opportunityId } = await convertedLead();
    const conversion = await eventually(
      () => of(leadStreamId(leadId), eventTypeOf('LeadConvertedToOpportunity')),
      60_000,
    );
    const opened = JSON.parse(
      (await eventually(() => of(opportunityStreamId(opportunityId), OPENED), 60_000)).value,
    );
    expect(opened).toMatchObject({
      leadId,
      name: 'Kunde GmbH - New business',
      account: 'Kunde GmbH',
      owner: 'ana@acme.example',
      team: 'dach-enterprise',
      pipeline: 'new-business',
      stage: 'discovery',
      probability: 10,
      amount: { amountMinor: 12_500_000, currency: 'EUR' },
      expectedCloseDate: '2027-03-31',
      criteriaMet: ['budget', 'authority', 'need'],
    });

    const read = await eventually(async () => {
      const response = await asAdmin(opportunities).get(`/opportunities/${opportunityId}`);
      return response.status === 200 ? response : undefined;
    });
    expect(read.headers.etag).toBe('"0"');
    await asAdmin(opportunities)
      .post(`/opportunities/${opportunityId}/stage`)
      .set('If-Match', '"0"')
      .send({ to: 'proposal' })
      .expect(200)
      .expect('ETag', '"1"');
    await asAdmin(opportunities)
      .post(`/opportunities/${opportunityId}/amount`)
      .set('If-Match', '"0"')
      .send({ amount: '130000.00', currency: 'EUR' })
      .expect(412, /precondition_failed/);

    // The very conversion again, as a rebalance or a relay restart would deliver it.
    const consumedBefore = await consumedConversions();
    await producer.send({
      topic: LEADS_LIFECYCLE_TOPIC,
      messages: [{ key: conversion.key, value: conversion.value, headers: conversion.headers }],
    });
    await eventually(
      async () => ((await consumedConversions()) > consumedBefore ? true : undefined),
      60_000,
      250,
    );
    expect(all(opportunityStreamId(opportunityId), OPENED)).toHaveLength(1);
    expect(await storage.events.readStream(opportunityStreamId(opportunityId))).toHaveLength(2);
  });

  /** A lead as sales-acceptance leaves it: captured, then converted with its qualification evidence. */
  async function convertedLead(): Promise<{ leadId: string; opportunityId: string }> {
    const leadId = randomUUID();
    const opportunityId = randomUUID();
    const metadata = (source: string) => ({
      correlationId: leadId,
      causationId: randomUUID(),
      actor: 'system:test',
      occurredAt: new Date().toISOString(),
      source,
    });
    const met = (criterion: string) => ({ criterion, value: 'met', evidence: 'said so on the call' });
    await storage.events.append(
      leadStreamId(leadId),
      [
        {
          id: randomUUID(),
          type: eventTypeOf('LeadCaptured'),
          data: {
            leadId,
            source: 'web_form',
            contact: { email: `${leadId}@kunde.example` },
            company: { name: 'Kunde GmbH', size: 400, country: 'DE' },
          },
          metadata: metadata('/leadledger/lead-capture'),
        },
        {
          id: randomUUID(),
          type: eventTypeOf('LeadConvertedToOpportunity'),
          data: {
            leadId,
            opportunityId,
            owner: 'ana@acme.example',
            team: 'dach-enterprise',
            framework: 'bant',
            evidence: [met('budget'), met('authority'), met('need')],
            amount: { amountMinor: 12_500_000, currency: 'EUR' },
            expectedCloseDate: '2027-03-31',
          },
          metadata: metadata('/leadledger/sales-acceptance'),
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    return { leadId, opportunityId };
  }

  async function consumedConversions(): Promise<number> {
    const metrics = parseExposition((await asAdmin(opportunities).get('/metrics').expect(200)).text);
    return (metrics.get('leadledger_events_consumed_total')?.samples ?? [])
      .filter((sample) => sample.labels.event_type === eventTypeOf('LeadConvertedToOpportunity'))
      .reduce((sum, sample) => sum + sample.value, 0);
  }

  function all(streamId: string, type: string): ReceivedMessage[] {
    return recorder.received.filter(
      (message) => message.key === streamId && message.headers[KAFKA_HEADERS.type] === type,
    );
  }

  function of(streamId: string, type: string): ReceivedMessage | undefined {
    return all(streamId, type)[0];
  }
});
