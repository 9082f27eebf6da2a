import { Access } from '@leadledger/access';
import { EVENT_CATALOG, EVENT_NAMES } from '@leadledger/contracts';
import { currentWorkPriority } from '@leadledger/eventsourcing';
import { Body, Controller, Module, Post, type INestApplication, type OnModuleDestroy } from '@nestjs/common';
import { TEST_ADMIN_KEY, asAdmin } from '@leadledger/testing';
import { createServiceApp, startServiceApp } from './bootstrap';
import { AcceptsMediaTypes } from './http/json-bodies-only.guard';

@Controller('probe')
@Access('admin')
class ProbeController {
  @Post('json')
  json(@Body() body: unknown): unknown {
    return { received: body };
  }

  /** After the body is read: where a handler's statements would be queued. */
  @Post('priority')
  priority(): unknown {
    return { priority: currentWorkPriority()() };
  }

  @Post('csv')
  @AcceptsMediaTypes('text/csv')
  csv(): unknown {
    return { received: 'csv' };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

describe('a service app', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createServiceApp(
      { service: 'probe', title: 'probe', modules: [ProbeModule], requireKafka: false, relay: false },
      { EVENT_STORE: 'pglite://memory', LOG_LEVEL: 'silent', LEADLEDGER_ADMIN_KEY: TEST_ADMIN_KEY },
    );
    await app.init();
  }, 60_000);

  afterAll(() => app?.close());

  describe('refuses request bodies that are not JSON', () => {
    it.each([
      ['application/x-www-form-urlencoded', 'source=web_form'],
      ['text/plain', '{"source":"web_form"}'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n',
      ],
    ])('answers %s with 415', async (contentType, body) => {
      const response = await asAdmin(app)
        .post('/probe/json')
        .set('Content-Type', contentType)
        .send(body)
        .expect(415);

      expect(response.body).toEqual({
        statusCode: 415,
        error: 'Unsupported Media Type',
        message: `Content-Type ${contentType.split(';')[0]} is not accepted here: send application/json`,
        code: 'unsupported_media_type',
      });
    });

    it('takes JSON, and +json types', async () => {
      await asAdmin(app)
        .post('/probe/json')
        .send({ a: 1 })
        .expect(201, { received: { a: 1 } });
      await asAdmin(app)
        .post('/probe/json')
        .set('Content-Type', 'application/merge-patch+json')
        .send('{"a":1}')
        .expect(201);
    });

    it('takes what a route documents, and a request without a body', async () => {
      await asAdmin(app).post('/probe/csv').set('Content-Type', 'text/csv').send('a,b\n1,2').expect(201);
      await asAdmin(app).post('/probe/json').expect(201);
    });
  });

  it("runs a request's work as interactive, ahead of background work on the embedded store", async () => {
    await asAdmin(app).post('/probe/priority').send({ a: 1 }).expect(201, { priority: 'interactive' });
  });

  it('shows every event type in leadledger_events_appended_total at 0 before any traffic', async () => {
    const { text } = await asAdmin(app).get('/metrics').expect(200);

    for (const name of EVENT_NAMES)
      expect(text).toContain(
        `leadledger_events_appended_total{event_type="${EVENT_CATALOG[name].type}",service="probe"} 0\n`,
      );
  });
});

@Controller('forgotten')
class ForgottenController {
  @Post()
  open(): unknown {
    return {};
  }
}

const stopped = { forgotten: false };

class ForgottenWorker implements OnModuleDestroy {
  onModuleDestroy(): void {
    stopped.forgotten = true;
  }
}

@Module({ controllers: [ForgottenController], providers: [ForgottenWorker] })
class ForgottenModule {}

describe('a service with a route that names no access policy', () => {
  it('does not start, and says which route', async () => {
    const app = await createServiceApp(
      { service: 'probe', title: 'probe', modules: [ForgottenModule], requireKafka: false, relay: false },
      { EVENT_STORE: 'pglite://memory', LOG_LEVEL: 'silent', LEADLEDGER_ADMIN_KEY: TEST_ADMIN_KEY },
    );
    try {
      await expect(app.init()).rejects.toThrow(/routes without an access policy.*POST \/forgotten/);
    } finally {
      await app.close();
    }
  }, 60_000);

  it('is shut down by startServiceApp when its start fails, so nothing it started keeps running', async () => {
    stopped.forgotten = false;
    await expect(
      startServiceApp(
        { service: 'probe', title: 'probe', modules: [ForgottenModule], requireKafka: false, relay: false },
        { EVENT_STORE: 'pglite://memory', LOG_LEVEL: 'silent', LEADLEDGER_ADMIN_KEY: TEST_ADMIN_KEY },
      ),
    ).rejects.toThrow(/routes without an access policy/);
    expect(stopped.forgotten).toBe(true);
  }, 60_000);
});
