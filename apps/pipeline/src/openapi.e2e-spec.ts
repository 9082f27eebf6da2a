import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createServiceApp } from '@leadledger/platform';
import type { INestApplication } from '@nestjs/common';
import { eventually, TEST_ADMIN_KEY, asAdmin } from '@leadledger/testing';
import request, { type Response } from 'supertest';
import { PIPELINE } from './pipeline';

/**
 * swagger-parser's validation, run by Node itself: the parser is an ES module, which Jest's
 * CommonJS runtime cannot load.
 */
function validateOpenApi(document: unknown): Promise<string> {
  const script = `
    let text = '';
    process.stdin.on('data', (chunk) => (text += chunk));
    process.stdin.on('end', async () => {
      const { default: SwaggerParser } = await import('@apidevtools/swagger-parser');
      try { await SwaggerParser.validate(JSON.parse(text)); console.log('valid'); }
      catch (error) { console.log(error.message); }
    });`;
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['-e', script], (error, stdout) =>
      error ? reject(error) : resolve(stdout.trim()),
    );
    child.stdin?.end(JSON.stringify(document));
  });
}

type Schema = {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  oneOf?: Schema[];
  allOf?: Schema[];
};
type Parameter = { name: string; in: string; required?: boolean; schema?: Schema };
type Operation = {
  description?: string;
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema: Schema }> }>;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The /docs-json of the pipeline, held against what its routes really answer. */
describe('OpenAPI document of the pipeline', () => {
  let app: INestApplication;
  let document: Document;

  beforeAll(async () => {
    app = await createServiceApp(PIPELINE, {
      EVENT_STORE: 'pglite://memory',
      LOG_LEVEL: 'silent',
      LEADLEDGER_ADMIN_KEY: TEST_ADMIN_KEY,
    });
    await app.init();
    document = (await asAdmin(app).get('/docs-json').expect(200)).body;
  });

  afterAll(async () => {
    await app?.close();
  });

  const http = () => asAdmin(app);
  const lead = () => ({ source: 'web_form', contact: { email: `${randomUUID()}@example.com` } });

  it('is a valid OpenAPI document', async () => {
    await expect(validateOpenApi(document)).resolves.toBe('valid');
  });

  it('documents Idempotency-Key once, optional, on every submitting route', () => {
    for (const [path, method] of [
      ['/leads', 'post'],
      ['/leads:batch', 'post'],
      ['/leads/{id}/engagements', 'post'],
    ] as const) {
      const headers = (operation(path, method).parameters ?? []).filter((p) => p.in === 'header');
      expect(headers.map((h) => [h.name.toLowerCase(), h.required ?? false]).sort()).toEqual([
        ['idempotency-key', false],
      ]);
    }
  });

  it('documents who may call each route: credentials, roles, and the 401, 403 and 429 answers', () => {
    const paths = document.paths as Record<string, Record<string, Operation>>;
    for (const [path, operations] of Object.entries(paths)) {
      for (const [method, documented] of Object.entries(operations)) {
        const open = path.startsWith('/health') || path === '/metrics';
        const security = documented.security;
        if (open) {
          expect({ path, method, security }).toEqual({ path, method, security: [] });
          continue;
        }
        expect({ path, method, security }).toEqual({
          path,
          method,
          security: [{ bearer: [] }, { apiKey: [] }],
        });
        expect(Object.keys(documented.responses)).toEqual(expect.arrayContaining(['401', '403', '429']));
        expect(documented.description).toMatch(/Roles: /);
      }
    }
  });

  it('types every lead id as a UUID, and states the limits', () => {
    for (const [path, method] of [
      ['/leads/{id}', 'get'],
      ['/leads/{id}/events', 'get'],
      ['/leads/{id}/engagements', 'post'],
    ] as const) {
      const id = operation(path, method).parameters?.find((p) => p.in === 'path' && p.name === 'id');
      expect(id?.schema).toMatchObject({ type: 'string', format: 'uuid' });
    }
    const batch = operation('/leads:batch', 'post').requestBody?.content['application/json']?.schema;
    expect(batch?.properties?.['leads']).toMatchObject({ maxItems: 1000 });
    expect(operation('/leads', 'post').responses['413']?.description).toContain('4 MB');
  });

  /** Scoring reads the lifecycle on its own time: the lead's score once it is there. */
  async function scoreOf(leadId: string): Promise<Response> {
    return eventually(async () => {
      const response = await http().get(`/leads/${leadId}/score`);
      return response.status === 200 ? response : undefined;
    });
  }

  it('documents every status and body the lead and scoring routes really answer', async () => {
    const { body: captured } = await http().post('/leads').send(lead()).expect(202);
    const leadId: string = captured.leadId;
    const key = randomUUID();
    await http().post('/leads').set('Idempotency-Key', key).send(lead()).expect(202);
    const tooLarge = JSON.stringify({ pad: 'x'.repeat(4 * 1024 * 1024 + 1) });
    const engagement = { activity: 'pricing_page_view', occurredAt: '2026-11-20T10:00:00Z' };

    const answers: Array<[path: string, method: string, response: Response]> = [
      ['/leads', 'post', await http().post('/leads').send(lead())],
      ['/leads', 'post', await http().post('/leads').send({ source: 'fax' })],
      ['/leads', 'post', await request(app.getHttpServer()).post('/leads').send(lead())],
      [
        '/leads',
        'post',
        await request(app.getHttpServer()).post('/leads').set('X-Api-Key', 'guess').send(lead()),
      ],
      ['/leads', 'post', await http().post('/leads').set('Idempotency-Key', key).send(lead())],
      ['/leads', 'post', await http().post('/leads').type('json').send(tooLarge)],
      ['/leads', 'post', await http().post('/leads').type('text').send('source=web_form')],
      [
        '/leads:batch',
        'post',
        await http()
          .post('/leads:batch')
          .send({ leads: [lead(), { source: 'fax' }] }),
      ],
      ['/leads:batch', 'post', await http().post('/leads:batch').send({ leads: [] })],
      ['/leads:batch', 'post', await http().post('/leads:batch').type('json').send(tooLarge)],
      ['/leads:batch', 'post', await http().post('/leads:batch').type('text').send('x')],
      ['/leads/{id}/engagements', 'post', await http().post(`/leads/${leadId}/engagements`).send(engagement)],
      ['/leads/{id}/engagements', 'post', await http().post(`/leads/${leadId}/engagements`).send({})],
      [
        '/leads/{id}/engagements',
        'post',
        await http().post(`/leads/${randomUUID()}/engagements`).send(engagement),
      ],
      ['/leads/{id}', 'get', await http().get(`/leads/${leadId}`)],
      ['/leads/{id}', 'get', await http().get('/leads/not-a-uuid')],
      ['/leads/{id}', 'get', await http().get(`/leads/${randomUUID()}`)],
      ['/leads/{id}/events', 'get', await http().get(`/leads/${leadId}/events`)],
      ['/leads/{id}/events', 'get', await http().get(`/leads/${randomUUID()}/events`)],
      ['/leads/{id}/score', 'get', await scoreOf(leadId)],
      ['/leads/{id}/score', 'get', await http().get('/leads/not-a-uuid/score')],
      ['/leads/{id}/score', 'get', await http().get(`/leads/${randomUUID()}/score`)],
      ['/scoring-model', 'get', await http().get('/scoring-model')],
    ];

    const statuses = answers.map(([path, method, response]) => `${method} ${path} ${response.status}`);
    expect(statuses).toEqual(
      expect.arrayContaining([
        'post /leads 202',
        'post /leads 400',
        'post /leads 413',
        'post /leads 415',
        'post /leads 422',
        'post /leads:batch 200',
        'post /leads/{id}/engagements 404',
        'get /leads/{id} 200',
        'get /leads/{id}/events 200',
      ]),
    );
    expectDocumented(answers);
  });

  it('documents every status and body the sales routes really answer', async () => {
    const { leadId, assigned } = await assignedMql();
    const owner: string = assigned.body.owner;
    const qualification = { framework: 'bant', criterion: 'budget', value: 'met', evidence: 'CFO said so' };

    const answers: Array<[path: string, method: string, response: Response]> = [
      ['/leads/{id}/sales', 'get', assigned],
      ['/leads/{id}/sales', 'get', await http().get('/leads/not-a-uuid/sales')],
      ['/leads/{id}/sales', 'get', await http().get(`/leads/${randomUUID()}/sales`)],
      ['/sales/queue', 'get', await http().get(`/sales/queue?owner=${encodeURIComponent(owner)}`)],
      ['/sales/queue', 'get', await http().get('/sales/queue?limit=0')],
      [
        '/leads/{id}/qualification',
        'post',
        await http().post(`/leads/${leadId}/qualification`).send(qualification),
      ],
      ['/leads/{id}/accept', 'post', await http().post(`/leads/${leadId}/accept`)],
      ['/leads/{id}/accept', 'post', await http().post(`/leads/${leadId}/accept`)],
      ['/leads/{id}/accept', 'post', await http().post(`/leads/${randomUUID()}/accept`)],
      [
        '/leads/{id}/reject',
        'post',
        await http().post(`/leads/${leadId}/reject`).send({ reason: 'too_busy' }),
      ],
      ['/leads/{id}/convert', 'post', await http().post(`/leads/${leadId}/convert`)],
      [
        '/leads/{id}/qualification',
        'post',
        await http()
          .post(`/leads/${leadId}/qualification`)
          .send({ ...qualification, framework: 'pain-interest-fit' }),
      ],
      [
        '/leads/{id}/qualification',
        'post',
        await http().post(`/leads/${leadId}/qualification`).send(qualification),
      ],
      [
        '/leads/{id}/reassign',
        'post',
        await http().post(`/leads/${leadId}/reassign`).send({ owner: 'nobody' }),
      ],
      [
        '/leads/{id}/reassign',
        'post',
        await http()
          .post(`/leads/${leadId}/reassign`)
          .send({ owner: 'lukas@acme.example', note: 'Ana is away' }),
      ],
      [
        '/leads/{id}/disqualify',
        'post',
        await http().post(`/leads/${leadId}/disqualify`).send({ reason: 'a customer' }),
      ],
      ['/sales/reps', 'get', await http().get('/sales/reps')],
      [
        '/sales/reps/{rep}/availability',
        'put',
        await http()
          .put('/sales/reps/ana@acme.example/availability')
          .send({ available: false, note: 'on leave' }),
      ],
      [
        '/sales/reps/{rep}/availability',
        'put',
        await http().put('/sales/reps/ana@acme.example/availability').send({}),
      ],
    ];
    const statuses = answers.map(([path, method, response]) => `${method} ${path} ${response.status}`);
    expect(statuses).toEqual(
      expect.arrayContaining([
        'get /leads/{id}/sales 200',
        'get /sales/queue 200',
        'post /leads/{id}/accept 200',
        'post /leads/{id}/accept 409',
        'post /leads/{id}/convert 422',
        'post /leads/{id}/qualification 422',
        'post /leads/{id}/reassign 200',
        'post /leads/{id}/disqualify 200',
        'put /sales/reps/{rep}/availability 200',
      ]),
    );
    expectDocumented(answers);
  });

  it('documents every status and body the opportunity routes really answer, from a conversion onwards', async () => {
    const { leadId } = await assignedMql();
    await http().post(`/leads/${leadId}/accept`).expect(200);
    for (const criterion of ['budget', 'authority', 'need']) {
      await http()
        .post(`/leads/${leadId}/qualification`)
        .send({
          framework: 'bant',
          criterion,
          value: 'met',
          evidence: 'on the call',
          ...(criterion === 'budget' ? { amount: { value: '80000.00', currency: 'EUR' } } : {}),
        })
        .expect(200);
    }
    const { opportunityId } = (await http().post(`/leads/${leadId}/convert`).expect(200)).body;
    const opened = await eventually(async () => {
      const response = await http().get(`/opportunities/${opportunityId}`);
      return response.status === 200 ? response : undefined;
    });
    const path = (route: string) => `/opportunities/${opportunityId}/${route}`;

    const answers: Array<[path: string, method: string, response: Response]> = [
      ['/pipelines', 'get', await http().get('/pipelines')],
      ['/opportunities/{id}', 'get', opened],
      ['/opportunities/{id}', 'get', await http().get(`/opportunities/${randomUUID()}`)],
      ['/opportunities/{id}', 'get', await http().get('/opportunities/not-a-uuid')],
      ['/opportunities', 'get', await http().get('/opportunities?status=open&limit=10')],
      ['/opportunities', 'get', await http().get('/opportunities?status=pending')],
      ['/opportunities/{id}/stage', 'post', await http().post(path('stage')).send({ to: 'closed_won' })],
      [
        '/opportunities/{id}/stage',
        'post',
        await http().post(path('stage')).set('If-Match', '"0"').send({ to: 'negotiation' }),
      ],
      [
        '/opportunities/{id}/stage',
        'post',
        await http().post(path('stage')).set('If-Match', '"0"').send({ to: 'proposal' }),
      ],
      [
        '/opportunities/{id}/close-date',
        'post',
        await http().post(path('close-date')).send({ expectedCloseDate: '2027-09-30' }),
      ],
      [
        '/opportunities/{id}/forecast-category',
        'post',
        await http().post(path('forecast-category')).send({ category: 'commit', note: 'CFO said yes' }),
      ],
      [
        '/opportunities/{id}/amount',
        'post',
        await http().post(path('amount')).send({ amount: '0.00', currency: 'EUR' }),
      ],
      [
        '/opportunities/{id}/amount',
        'post',
        await http().post(path('amount')).send({ amount: '95000.50', currency: 'EUR' }),
      ],
      [
        '/opportunities/{id}/owner',
        'post',
        await http().post(path('owner')).send({ owner: 'lukas@acme.example', team: 'dach-enterprise' }),
      ],
      ['/opportunities/{id}/won', 'post', await http().post(path('won')).send({ closedAt: '2027-01-15' })],
      [
        '/opportunities/{id}/amount',
        'post',
        await http().post(path('amount')).send({ amount: '1.00', currency: 'EUR' }),
      ],
      [
        '/opportunities/{id}/reopen',
        'post',
        await http().post(path('reopen')).send({ note: 'not countersigned' }),
      ],
      [
        '/opportunities/{id}/lost',
        'post',
        await http().post(path('lost')).send({ reason: 'competitor', competitor: 'Rival' }),
      ],
      ['/opportunities/{id}/history', 'get', await http().get(path('history'))],
    ];
    const statuses = answers.map(([route, method, response]) => `${method} ${route} ${response.status}`);
    expect(statuses).toEqual([
      'get /pipelines 200',
      'get /opportunities/{id} 200',
      'get /opportunities/{id} 404',
      'get /opportunities/{id} 400',
      'get /opportunities 200',
      'get /opportunities 400',
      'post /opportunities/{id}/stage 400',
      'post /opportunities/{id}/stage 200',
      'post /opportunities/{id}/stage 412',
      'post /opportunities/{id}/close-date 200',
      'post /opportunities/{id}/forecast-category 200',
      'post /opportunities/{id}/amount 400',
      'post /opportunities/{id}/amount 200',
      'post /opportunities/{id}/owner 200',
      'post /opportunities/{id}/won 200',
      'post /opportunities/{id}/amount 409',
      'post /opportunities/{id}/reopen 200',
      'post /opportunities/{id}/lost 200',
      'get /opportunities/{id}/history 200',
    ]);
    expect(opened.headers.etag).toBe('"0"');
    expectDocumented(answers);
  });

  it('documents every status and body the forecasting routes really answer', async () => {
    const snapshot = await http().post('/forecast/snapshots');
    const answers: Array<[path: string, method: string, response: Response]> = [
      ['/forecast', 'get', await http().get('/forecast?period=2026-Q4&groupBy=owner')],
      ['/forecast', 'get', await http().get('/forecast?period=2026-Q4&probabilities=calibrated')],
      ['/forecast', 'get', await http().get('/forecast?period=Q4')],
      ['/forecast/snapshots', 'post', snapshot],
      ['/forecast/accuracy', 'get', await http().get('/forecast/accuracy?period=2026-Q4')],
      ['/pipeline', 'get', await http().get('/pipeline')],
      ['/pipeline', 'get', await http().get('/pipeline?asOf=yesterday')],
      ['/pipeline/changes', 'get', await http().get('/pipeline/changes?from=2026-01-01')],
      ['/pipeline/changes', 'get', await http().get('/pipeline/changes')],
      ['/funnel', 'get', await http().get('/funnel?groupBy=month')],
      ['/funnel', 'get', await http().get('/funnel?groupBy=colour')],
      ['/analytics/cycle-time', 'get', await http().get('/analytics/cycle-time?groupBy=owner')],
      ['/analytics/win-rate', 'get', await http().get('/analytics/win-rate?groupBy=source')],
      ['/analytics/loss-reasons', 'get', await http().get('/analytics/loss-reasons')],
      ['/analytics/slippage', 'get', await http().get('/analytics/slippage')],
      ['/analytics/handoff', 'get', await http().get('/analytics/handoff')],
      ['/analytics/stage-probabilities', 'get', await http().get('/analytics/stage-probabilities')],
    ];
    expect(answers.map(([route, method, response]) => `${method} ${route} ${response.status}`)).toEqual([
      'get /forecast 200',
      'get /forecast 200',
      'get /forecast 400',
      'post /forecast/snapshots 201',
      'get /forecast/accuracy 200',
      'get /pipeline 200',
      'get /pipeline 400',
      'get /pipeline/changes 200',
      'get /pipeline/changes 400',
      'get /funnel 200',
      'get /funnel 400',
      'get /analytics/cycle-time 200',
      'get /analytics/win-rate 200',
      'get /analytics/loss-reasons 200',
      'get /analytics/slippage 200',
      'get /analytics/handoff 200',
      'get /analytics/stage-probabilities 200',
    ]);
    expectDocumented(answers);
    const csv = await http().get('/analytics/stage-probabilities').set('Accept', 'text/csv').expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.split('\n')[0]).toMatch(
      /^pipeline,stage,configured,passedThrough,won,lost,open,.*calibrated$/,
    );
  });

  /** A lead the shipped scoring model makes an MQL, once sales-acceptance has assigned it: its sales view. */
  async function assignedMql(): Promise<{ leadId: string; assigned: Response }> {
    const fit = {
      source: 'web_form',
      contact: { email: `${randomUUID()}@kunde.example`, jobTitle: 'Head of Sales Operations' },
      company: { name: 'Kunde', size: 400, industry: 'software', country: 'DE' },
    };
    const { leadId } = (await http().post('/leads').send(fit).expect(202)).body;
    for (const activity of ['demo_requested', 'pricing_page_view']) {
      await http()
        .post(`/leads/${leadId}/engagements`)
        .send({ activity, occurredAt: new Date().toISOString() })
        .expect(202);
    }
    const assigned = await eventually(async () => {
      const response = await http().get(`/leads/${leadId}/sales`);
      return response.body.owner ? response : undefined;
    });
    return { leadId, assigned };
  }

  function expectDocumented(
    answers: ReadonlyArray<[path: string, method: string, response: Response]>,
  ): void {
    for (const [path, method, response] of answers) {
      const documented = operation(path, method).responses[String(response.status)];
      expect({ path, method, status: response.status, documented: documented !== undefined }).toEqual({
        path,
        method,
        status: response.status,
        documented: true,
      });
      const schema = documented?.content?.['application/json']?.schema;
      expect(schema).toBeDefined();
      expect({
        path,
        method,
        status: response.status,
        mismatches: mismatchesOf(response.body, schema as Schema),
      }).toEqual({ path, method, status: response.status, mismatches: [] });
    }
  }

  function operation(path: string, method: string): Operation {
    const found = document.paths[path]?.[method];
    if (!found) throw new Error(`${method} ${path} is not documented`);
    return found;
  }

  /** Enough of JSON Schema for these documents: where `value` departs from `schema`, and how. */
  function mismatchesOf(value: unknown, schema: Schema, at = '$'): string[] {
    if (schema.$ref) return mismatchesOf(value, resolve(schema.$ref), at);
    if (schema.allOf) return schema.allOf.flatMap((each) => mismatchesOf(value, each, at));
    if (schema.oneOf) {
      const matching = schema.oneOf.filter((each) => mismatchesOf(value, each, at).length === 0);
      return matching.length === 1 ? [] : [`${at}: matches ${matching.length} of oneOf`];
    }
    if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} not in enum`];
    switch (schema.type) {
      case 'object': {
        if (value === null || typeof value !== 'object' || Array.isArray(value))
          return [`${at}: not an object`];
        const record = value as Record<string, unknown>;
        const missing = (schema.required ?? [])
          .filter((name) => !(name in record))
          .map((n) => `${at}.${n}: missing`);
        const members = Object.entries(record).flatMap(([name, member]) => {
          const property = schema.properties?.[name];
          if (property) return mismatchesOf(member, property, `${at}.${name}`);
          return schema.additionalProperties === false ? [`${at}.${name}: not documented`] : [];
        });
        return [...missing, ...members];
      }
      case 'array':
        return Array.isArray(value)
          ? value.flatMap((item, index) =>
              schema.items ? mismatchesOf(item, schema.items, `${at}[${index}]`) : [],
            )
          : [`${at}: not an array`];
      case 'string':
        if (typeof value !== 'string') return [`${at}: not a string`];
        return schema.format === 'uuid' && !UUID.test(value) ? [`${at}: not a UUID`] : [];
      case 'integer':
        return Number.isInteger(value) ? [] : [`${at}: not an integer`];
      case 'number':
        return typeof value === 'number' ? [] : [`${at}: not a number`];
      case 'boolean':
        return typeof value === 'boolean' ? [] : [`${at}: not a boolean`];
      default:
        return [];
    }
  }

  function resolve(ref: string): Schema {
    const name = ref.replace('#/components/schemas/', '');
    const schema = document.components.schemas[name];
    if (!schema) throw new Error(`${ref} is not in the document`);
    return schema;
  }
});
