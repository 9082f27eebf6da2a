import { randomUUID } from 'node:crypto';
import { eventTypeOf, leadStreamId } from '@leadledger/contracts';
import type { EventStore } from '@leadledger/eventsourcing';
import type { LifecycleConsumer, StreamEvents } from '@leadledger/messaging';
import { ADMIN_HEADERS, TEST_ADMIN_KEY, eventually } from '@leadledger/testing';
import { Module, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { startServiceApp } from '../bootstrap';
import { provideLifecycleConsumer } from '../lifecycle-consumers';
import { EVENT_STORE } from '../tokens';

/** A consumer that cannot handle anything until its cause is fixed. */
const fragile = { fixed: false, handled: [] as string[] };
const FRAGILE = Symbol('fragile');

@Module({
  providers: [
    provideLifecycleConsumer(FRAGILE, {
      inject: [],
      consumer: (): LifecycleConsumer => ({
        name: 'fragile',
        category: 'lead',
        eventTypes: ['LeadCaptured'],
        async handle(streams: readonly StreamEvents[]) {
          if (!fragile.fixed) throw new Error('not yet');
          fragile.handled.push(...streams.map((stream) => stream.id));
        },
      }),
    }),
  ],
})
class FragileModule {}

describe('dead letters', () => {
  let app: INestApplication;
  // Services start and join consumer groups: slower than the global 30 s guard when every suite runs at once.
  beforeAll(async () => {
    app = await startServiceApp(
      {
        service: 'dead-letters-test',
        title: 'test',
        modules: [FragileModule],
        requireKafka: false,
        relay: false,
      },
      { EVENT_STORE: 'pglite://memory', LOG_LEVEL: 'silent', LEADLEDGER_ADMIN_KEY: TEST_ADMIN_KEY },
    );
  }, 120_000);
  afterAll(() => app.close());

  it('keeps what a consumer gave up on, lists it to an admin, and replays it to that consumer after a fix', async () => {
    const leadId = randomUUID();
    await app.get<EventStore>(EVENT_STORE).append(
      leadStreamId(leadId),
      [
        {
          id: randomUUID(),
          type: eventTypeOf('LeadCaptured'),
          data: { leadId, source: 'web_form', contact: { email: 'ana@acme.io' } },
          metadata: {
            correlationId: randomUUID(),
            causationId: randomUUID(),
            actor: 'system:test',
            occurredAt: new Date().toISOString(),
            source: '/test',
          },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    const admin = ADMIN_HEADERS;

    const [deadLetter] = await eventually(async () => {
      const { body } = await request(app.getHttpServer()).get('/admin/dead-letters').set(admin).expect(200);
      return body.length > 0 ? body : undefined;
    }, 30_000);
    expect(deadLetter).toMatchObject({
      topic: 'leadledger.leads.lifecycle.dlq',
      consumerGroup: 'fragile',
      error: 'not yet',
      eventId: expect.any(String),
    });
    await request(app.getHttpServer()).get('/admin/dead-letters').expect(401);
    await request(app.getHttpServer())
      .get('/admin/dead-letters')
      .set({ Authorization: 'Bearer wrong' })
      .expect(401);

    fragile.fixed = true;
    const replay = await request(app.getHttpServer())
      .post(`/admin/dead-letters/${deadLetter.id}/replay`)
      .set(admin)
      .expect(200);

    expect(replay.body).toEqual({ id: deadLetter.id, outcome: 'handled' });
    expect(fragile.handled).toEqual([leadId]);
    const { body: after } = await request(app.getHttpServer())
      .get('/admin/dead-letters')
      .set(admin)
      .expect(200);
    expect(after[0]).toMatchObject({ id: deadLetter.id, replays: 1, lastReplayError: null });
  }, 60_000);
});
