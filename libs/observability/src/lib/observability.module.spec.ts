import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  Logger,
  Param,
  Post,
  UseGuards,
  type CanActivate,
  type INestApplication,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { parseExposition, sampleValue, type Family } from '@leadledger/testing';
import request from 'supertest';
import { currentCorrelationId, runWithCorrelation } from './correlation/correlation-context';
import { ReadinessRegistry } from './health/readiness-registry';
import { LeadledgerMetrics } from './metrics/leadledger-metrics';
import { ObservabilityModule, useStructuredLogging } from './observability.module';
import type { ObservabilityOptions } from './observability.options';

class DenyAll implements CanActivate {
  canActivate(): boolean {
    throw new ForbiddenException('nobody gets in');
  }
}

@Controller('things')
class ThingsController {
  private readonly logger = new Logger('ThingsController');

  @Get('guarded/:id')
  @UseGuards(DenyAll)
  guarded(): string {
    return 'unreachable';
  }

  @Get(':id')
  async find(@Param('id') id: string): Promise<{ id: string; correlationId: string | undefined }> {
    // An await between entering the handler and reading the id: the context must survive it.
    await new Promise((resolve) => setImmediate(resolve));
    this.logger.log(`looked up thing ${id}`);
    return { id, correlationId: currentCorrelationId() };
  }

  @Post()
  create(@Body() body: { name: string }): { name: string; correlationId: string | undefined } {
    return { name: body.name, correlationId: currentCorrelationId() };
  }
}

class LogCapture {
  readonly lines: Record<string, unknown>[] = [];

  write(line: string): void {
    this.lines.push(JSON.parse(line) as Record<string, unknown>);
  }

  withMessage(fragment: string): Record<string, unknown>[] {
    return this.lines.filter((line) => typeof line['msg'] === 'string' && line['msg'].includes(fragment));
  }
}

async function bootApp(options: ObservabilityOptions): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [ObservabilityModule.forRoot(options)],
    controllers: [ThingsController],
  }).compile();
  const app = moduleRef.createNestApplication({ bufferLogs: true });
  useStructuredLogging(app);
  await app.init();
  return app;
}

// nestjs-pino keeps the logger for lines written outside a request process-wide, from the first
// app booted; so the app whose logs are read boots first, once, for the whole file.
const logs = new LogCapture();
let app: INestApplication;

beforeAll(async () => {
  app = await bootApp({
    service: 'things-svc',
    logLevel: 'info',
    logDestination: logs,
    readiness: { timeoutMs: 200 },
  });
});

afterAll(async () => {
  await app.close();
});

describe('GET /metrics', () => {
  it('serves the Prometheus text format, every family with HELP and TYPE', async () => {
    const response = await request(app.getHttpServer()).get('/metrics').expect(200);

    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parseExposition(response.text);
    expect(families.size).toBeGreaterThan(10);
  });

  it('includes the process default metrics and labels every series with the service', async () => {
    const families = await scrape(app);

    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
    ])
      expect(families.get(name)?.samples.length).toBeGreaterThan(0);
    for (const family of families.values())
      for (const sample of family.samples) expect(sample.labels['service']).toBe('things-svc');
  });

  it('declares the shared leadledger metrics with their types', async () => {
    const metrics = app.get(LeadledgerMetrics);
    metrics.recordLag('lead-events', 0, 'projector', 3);
    const families = await scrape(app);

    expect(families.get('leadledger_http_request_duration_seconds')?.type).toBe('histogram');
    expect(families.get('leadledger_handler_duration_seconds')?.type).toBe('histogram');
    expect(families.get('leadledger_events_appended_total')?.type).toBe('counter');
    expect(families.get('leadledger_consumer_lag_messages')?.type).toBe('gauge');
    expect(families.get('leadledger_relay_lag_seconds')?.type).toBe('gauge');
  });

  it('counts a request under its route pattern, never its URL', async () => {
    const before = requestCount(await scrape(app), {
      method: 'GET',
      route: '/things/:id',
      status_code: '200',
    });

    await request(app.getHttpServer()).get('/things/lead-123').expect(200);
    await request(app.getHttpServer()).get('/things/lead-456').expect(200);

    const families = await scrape(app);
    expect(requestCount(families, { method: 'GET', route: '/things/:id', status_code: '200' })).toBe(
      before + 2,
    );
    const routes = families
      .get('leadledger_http_request_duration_seconds')
      ?.samples.map((s) => s.labels['route']);
    expect(routes?.some((route) => route?.includes('lead-123'))).toBe(false);
  });

  it('counts requests that never reach a handler: unmatched routes and guard rejections', async () => {
    await request(app.getHttpServer()).get('/nowhere/lead-789').expect(404);
    await request(app.getHttpServer()).get('/things/guarded/42').expect(403);

    const families = await scrape(app);
    expect(requestCount(families, { method: 'GET', route: 'unmatched', status_code: '404' })).toBeGreaterThan(
      0,
    );
    expect(requestCount(families, { method: 'GET', route: '/things/guarded/:id', status_code: '403' })).toBe(
      1,
    );
  });

  it('leaves scrapes and probes out of the request histogram', async () => {
    await request(app.getHttpServer()).get('/health/live').expect(200);
    await request(app.getHttpServer()).get('/metrics').expect(200);

    const routes = (await scrape(app))
      .get('leadledger_http_request_duration_seconds')
      ?.samples.map((sample) => sample.labels['route']);
    expect(routes).not.toContain('/metrics');
    expect(routes).not.toContain('/health/live');
  });

  it('exposes counters moved through LeadledgerMetrics with their labels', async () => {
    const metrics = app.get(LeadledgerMetrics);
    metrics.recordAppended('LeadCaptured', 2);
    metrics.recordPublished('lead-events', 'LeadCaptured');
    metrics
      .counter('leadledger_leads_qualified_total', 'Leads qualified.', ['source'])
      .inc({ source: 'webform' });

    const families = await scrape(app);
    expect(sampleValue(families, 'leadledger_events_appended_total', { event_type: 'LeadCaptured' })).toBe(2);
    expect(
      sampleValue(families, 'leadledger_events_published_total', {
        event_type: 'LeadCaptured',
        topic: 'lead-events',
      }),
    ).toBe(1);
    expect(sampleValue(families, 'leadledger_leads_qualified_total', { source: 'webform' })).toBe(1);
    expect(families.get('leadledger_leads_qualified_total')?.help).toBe('Leads qualified.');
  });
});

describe('GET /health', () => {
  let readiness: ReadinessRegistry;
  const unregister: (() => void)[] = [];

  beforeAll(() => {
    readiness = app.get(ReadinessRegistry);
  });

  afterEach(() => {
    unregister.splice(0).forEach((remove) => remove());
  });

  it('live answers 200 while the process serves', async () => {
    const response = await request(app.getHttpServer()).get('/health/live').expect(200);
    expect(response.body.status).toBe('ok');
  });

  it('ready answers 200 when every probe resolves', async () => {
    unregister.push(readiness.register({ name: 'eventstore', ping: async () => undefined }));
    unregister.push(readiness.register({ name: 'message-bus', ping: async () => undefined }));

    const response = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(response.body.details).toEqual({ eventstore: { status: 'up' }, 'message-bus': { status: 'up' } });
  });

  it('ready answers 503 naming the probe that rejected', async () => {
    unregister.push(readiness.register({ name: 'eventstore', ping: async () => undefined }));
    unregister.push(
      readiness.register({
        name: 'message-bus',
        ping: () => Promise.reject(new Error('broker unreachable')),
      }),
    );

    const response = await request(app.getHttpServer()).get('/health/ready').expect(503);
    expect(response.body.status).toBe('error');
    expect(response.body.error).toEqual({ 'message-bus': { status: 'down', message: 'broker unreachable' } });
    expect(response.body.info).toEqual({ eventstore: { status: 'up' } });
  });

  it('ready answers 503 naming a probe that hangs past the timeout', async () => {
    unregister.push(
      readiness.register({ name: 'eventstore', ping: () => new Promise<void>(() => undefined) }),
    );

    const startedAt = Date.now();
    const response = await request(app.getHttpServer()).get('/health/ready').expect(503);
    expect(Date.now() - startedAt).toBeLessThan(1_500);
    expect(response.body.error).toEqual({
      eventstore: { status: 'down', message: 'eventstore did not answer within 200 ms' },
    });
  });

  it('ready answers 503 naming a required probe nobody registered', async () => {
    const strictApp = await bootApp({
      service: 'strict-svc',
      logLevel: 'silent',
      readiness: { requiredProbes: ['eventstore', 'message-bus'] },
    });
    try {
      strictApp.get(ReadinessRegistry).register({ name: 'eventstore', ping: async () => undefined });

      const response = await request(strictApp.getHttpServer()).get('/health/ready').expect(503);
      expect(response.body.error).toEqual({
        'message-bus': { status: 'down', message: 'no readiness probe registered' },
      });
    } finally {
      await strictApp.close();
    }
  });

  it('refuses a second probe under a name already registered', () => {
    unregister.push(readiness.register({ name: 'eventstore', ping: async () => undefined }));
    expect(() => readiness.register({ name: 'eventstore', ping: async () => undefined })).toThrow(
      /eventstore/,
    );
  });
});

describe('correlation id', () => {
  it('echoes a well-formed id and makes it current inside the handler', async () => {
    const response = await request(app.getHttpServer())
      .get('/things/7')
      .set('x-correlation-id', 'web-checkout:2024.01_a-b')
      .expect(200);

    expect(response.headers['x-correlation-id']).toBe('web-checkout:2024.01_a-b');
    expect(response.body.correlationId).toBe('web-checkout:2024.01_a-b');
  });

  it('generates a UUID when the request has none', async () => {
    const response = await request(app.getHttpServer()).get('/things/8').expect(200);

    expect(response.headers['x-correlation-id']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(response.body.correlationId).toBe(response.headers['x-correlation-id']);
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['outside the alphabet', 'id with spaces'],
    ['markup', '<script>'],
  ])('replaces an id that is %s', async (_, malformed) => {
    const response = await request(app.getHttpServer())
      .get('/things/9')
      .set('x-correlation-id', malformed)
      .expect(200);

    expect(response.headers['x-correlation-id']).not.toBe(malformed);
    expect(response.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.body.correlationId).toBe(response.headers['x-correlation-id']);
  });

  it('accepts an id of exactly 128 characters', async () => {
    const longest = 'a'.repeat(128);
    const response = await request(app.getHttpServer())
      .get('/things/10')
      .set('x-correlation-id', longest)
      .expect(200);
    expect(response.headers['x-correlation-id']).toBe(longest);
  });

  it('stays current through body parsing', async () => {
    const response = await request(app.getHttpServer())
      .post('/things')
      .set('x-correlation-id', 'posted-1')
      .send({ name: 'widget' })
      .expect(201);

    expect(response.body).toEqual({ name: 'widget', correlationId: 'posted-1' });
  });

  it('is on the log lines written while handling the request, and on its completion line', async () => {
    await request(app.getHttpServer())
      .get('/things/logged-1')
      .set('x-correlation-id', 'log-check-1')
      .expect(200);

    const [handlerLine] = logs.withMessage('looked up thing logged-1');
    expect(handlerLine).toMatchObject({
      correlationId: 'log-check-1',
      service: 'things-svc',
      level: 'info',
      context: 'ThingsController',
    });
    const completion = logs.lines.find(
      (line) =>
        line['msg'] === 'request completed' && (line['req'] as { url?: string })?.url === '/things/logged-1',
    );
    expect(completion).toMatchObject({ correlationId: 'log-check-1' });
  });

  it('never logs a credential: Authorization and X-Api-Key are redacted on the request line', async () => {
    await request(app.getHttpServer())
      .get('/things/secret-1')
      .set('Authorization', 'Bearer llk_bearer-secret')
      .set('X-Api-Key', 'llk_header-secret')
      .expect(200);

    const completion = logs.lines.find(
      (line) =>
        line['msg'] === 'request completed' && (line['req'] as { url?: string })?.url === '/things/secret-1',
    );
    expect(completion).toBeDefined();
    expect(JSON.stringify(logs.lines)).not.toMatch(/llk_(bearer|header)-secret/);
  });

  it('is on log lines written outside HTTP, inside runWithCorrelation', async () => {
    await runWithCorrelation('kafka-batch-17', async () => {
      await Promise.resolve();
      new Logger('LeadProjector').log('projected batch');
    });
    new Logger('LeadProjector').log('idle');

    expect(logs.withMessage('projected batch')).toEqual([
      expect.objectContaining({ correlationId: 'kafka-batch-17', service: 'things-svc' }),
    ]);
    expect(logs.withMessage('idle')[0]).not.toHaveProperty('correlationId');
  });

  it('keeps scrapes and probes out of the request log', async () => {
    await request(app.getHttpServer()).get('/metrics').set('x-correlation-id', 'scraper-1').expect(200);
    await request(app.getHttpServer()).get('/health/live').set('x-correlation-id', 'kubelet-1').expect(200);

    const operational = logs.lines.filter((line) =>
      ['scraper-1', 'kubelet-1'].includes(String(line['correlationId'])),
    );
    expect(operational).toEqual([]);
  });
});

async function scrape(target: INestApplication): Promise<Map<string, Family>> {
  const response = await request(target.getHttpServer()).get('/metrics').expect(200);
  return parseExposition(response.text);
}

function requestCount(families: Map<string, Family>, labels: Record<string, string>): number {
  return sampleValue(families, 'leadledger_http_request_duration_seconds_count', labels) ?? 0;
}
