import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServiceApp, routesOf, type RouteWithPolicy } from '@leadledger/platform';
import type { Role } from '@leadledger/access';
import {
  ADMIN_HEADERS,
  TEST_ADMIN_KEY,
  eventually,
  parseExposition,
  sampleValue,
  startTestIdentityProvider,
  type TestIdentityProvider,
} from '@leadledger/testing';
import type { INestApplication } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import request from 'supertest';
import { PIPELINE } from './pipeline';

const lead = () => ({ source: 'web_form', contact: { email: `${randomUUID()}@example.com` } });
/** A team of config/sales-team.json: the matrix's managers manage it. */
const TEAM = 'dach-enterprise';
/** A lead the shipped scoring model makes an MQL once engaged, in a country the shipped teams cover. */
const fitLead = (country: string) => ({
  source: 'web_form',
  contact: { email: `${randomUUID()}@kunde.example`, jobTitle: 'Head of Sales Operations' },
  company: { name: 'Kunde', size: 400, industry: 'software', country },
});
const bearer = (credential: string) => ({ Authorization: `Bearer ${credential}` });

/** The pipeline on PGlite in memory, with the test admin key and these settings. */
async function startPipeline(env: NodeJS.ProcessEnv): Promise<INestApplication> {
  const app = await createServiceApp(PIPELINE, {
    EVENT_STORE: 'pglite://memory',
    LOG_LEVEL: 'silent',
    LEADLEDGER_ADMIN_KEY: TEST_ADMIN_KEY,
    ...env,
  });
  await app.init();
  return app;
}

/**
 * Who may call each route, for a lead nobody owns yet. A new route fails "every route is in this
 * table" until its row is written, so its policy is decided, not inherited.
 */
const ROUTE_ROLES: Readonly<Record<string, readonly Role[]>> = {
  'POST /leads': ['ingest', 'admin'],
  'POST /leads\\:batch': ['ingest', 'admin'],
  'POST /leads/:id/engagements': ['ingest', 'admin'],
  'GET /leads/:id': ['manager', 'admin'],
  'GET /leads/:id/events': ['manager', 'admin'],
  'GET /leads/:id/score': ['manager', 'analyst', 'admin'],
  'GET /scoring-model': ['rep', 'manager', 'analyst', 'admin'],
  'GET /sales/queue': ['rep', 'manager', 'admin'],
  'GET /leads/:id/sales': ['manager', 'admin'],
  'POST /leads/:id/accept': ['manager', 'admin'],
  'POST /leads/:id/reject': ['manager', 'admin'],
  'POST /leads/:id/qualification': ['manager', 'admin'],
  'POST /leads/:id/convert': ['manager', 'admin'],
  'POST /leads/:id/disqualify': ['manager', 'admin'],
  'POST /leads/:id/reassign': ['manager', 'admin'],
  'GET /sales/reps': ['manager', 'admin'],
  'PUT /sales/reps/:rep/availability': ['manager', 'admin'],
  'GET /pipelines': ['rep', 'manager', 'analyst', 'admin'],
  'GET /opportunities': ['rep', 'manager', 'analyst', 'admin'],
  'GET /opportunities/:id': ['manager', 'analyst', 'admin'],
  'GET /opportunities/:id/history': ['manager', 'analyst', 'admin'],
  'POST /opportunities/:id/stage': ['manager', 'admin'],
  'POST /opportunities/:id/amount': ['manager', 'admin'],
  'POST /opportunities/:id/close-date': ['manager', 'admin'],
  'POST /opportunities/:id/forecast-category': ['manager', 'admin'],
  'POST /opportunities/:id/owner': ['manager', 'admin'],
  'POST /opportunities/:id/won': ['manager', 'admin'],
  'POST /opportunities/:id/lost': ['manager', 'admin'],
  'POST /opportunities/:id/reopen': ['manager', 'admin'],
  'POST /imports/opportunities': ['admin'],
  'GET /forecast': ['manager', 'analyst', 'admin'],
  'POST /forecast/snapshots': ['manager', 'admin'],
  'GET /forecast/accuracy': ['manager', 'analyst', 'admin'],
  'GET /pipeline': ['manager', 'analyst', 'admin'],
  'GET /pipeline/changes': ['manager', 'analyst', 'admin'],
  'GET /funnel': ['manager', 'analyst', 'admin'],
  'GET /analytics/cycle-time': ['manager', 'analyst', 'admin'],
  'GET /analytics/win-rate': ['manager', 'analyst', 'admin'],
  'GET /analytics/loss-reasons': ['manager', 'analyst', 'admin'],
  'GET /analytics/slippage': ['manager', 'analyst', 'admin'],
  'GET /analytics/handoff': ['manager', 'analyst', 'admin'],
  'GET /analytics/stage-probabilities': ['manager', 'analyst', 'admin'],
  'GET /admin/dead-letters': ['admin'],
  'POST /admin/dead-letters/:id/replay': ['admin'],
  'POST /admin/api-keys': ['admin'],
  'GET /admin/api-keys': ['admin'],
  'DELETE /admin/api-keys/:id': ['admin'],
};
const ROLES: readonly Role[] = ['ingest', 'rep', 'manager', 'analyst', 'admin'];

describe('access control', () => {
  let app: INestApplication;
  let idp: TestIdentityProvider;
  let routes: RouteWithPolicy[];
  const keys = {} as Record<Role, string>;
  let leadId: string;
  const http = () => request(app.getHttpServer());

  const issueKey = async (body: Record<string, unknown>) =>
    (await http().post('/admin/api-keys').set(ADMIN_HEADERS).send(body).expect(201)).body as {
      id: string;
      key: string;
    };

  beforeAll(async () => {
    idp = await startTestIdentityProvider();
    // The matrix sends hundreds of refused requests from one address.
    app = await startPipeline({ AUTH_FAILURES_PER_MINUTE: '100000', ...idp.env });
    routes = routesOf(app.get(DiscoveryService), app.get(MetadataScanner), app.get(Reflector));
    for (const role of ROLES) {
      keys[role] = (await issueKey({ role, principal: `${role}-1`, team: TEAM })).key;
    }
    leadId = (await http().post('/leads').set(ADMIN_HEADERS).send(lead()).expect(202)).body.leadId;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  describe('every route', () => {
    it('declares a policy, and every policy is in the role table', () => {
      const unguarded = routes.filter((route) => !route.policy);
      expect(unguarded).toEqual([]);
      const guarded = routes
        .filter((route) => route.policy && !route.policy.public)
        .map(({ method, path }) => `${method} /${path}`);
      expect(guarded.sort()).toEqual(Object.keys(ROUTE_ROLES).sort());
    });

    it('keeps health and metrics open: they carry no personal data', async () => {
      const open = routes.filter((route) => route.policy?.public).map(({ path }) => path);
      expect(open.sort()).toEqual(['health/live', 'health/ready', 'metrics']);
      await http().get('/health/live').expect(200);
      await http().get('/metrics').expect(200);
      await http().get('/docs-json').expect(200);
    });

    const pathOf = (path: string) =>
      `/${path
        .replace('\\:', ':')
        .replace(':id/replay', '999999/replay')
        .replace(':id', leadId)
        .replace(':rep', 'lukas@acme.example')}`;
    const send = (route: string, headers: Record<string, string>) => {
      const [method, path] = route.split(' ');
      const target = pathOf(path.slice(1));
      const body = path.includes('engagements')
        ? { activity: 'pricing_page_view', occurredAt: '2026-11-20T10:00:00Z' }
        : path === '/leads\\:batch'
          ? { leads: [lead()] }
          : path === '/admin/api-keys'
            ? { role: 'ingest', principal: 'matrix' }
            : path.endsWith('/availability')
              ? { available: true }
              : lead();
      const call = http()[method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'](target).set(headers);
      return method === 'GET' || method === 'DELETE' ? call : call.send(body);
    };

    it.each(Object.keys(ROUTE_ROLES))('%s: 401 without credentials, 403 for other roles', async (route) => {
      expect((await send(route, {})).status).toBe(401);
      for (const role of ROLES) {
        const { status, body } = await send(route, bearer(keys[role]));
        if (ROUTE_ROLES[route].includes(role)) {
          expect({ role, refused: [401, 403, 429, 500].includes(status) }).toEqual({ role, refused: false });
        } else {
          expect({ role, status, code: body.code }).toEqual({ role, status: 403, code: 'forbidden' });
        }
      }
    });
  });

  describe('ownership, as sales-acceptance assigns it', () => {
    let owned: { leadId: string; owner: string };
    let elsewhere: { leadId: string; owner: string };

    /** Captures, engages and waits for sales-acceptance to assign the lead by the shipped team rules. */
    const assignedLead = async (country: string) => {
      const { leadId: id } = (
        await http().post('/leads').set(ADMIN_HEADERS).send(fitLead(country)).expect(202)
      ).body;
      for (const activity of ['demo_requested', 'pricing_page_view']) {
        await http()
          .post(`/leads/${id}/engagements`)
          .set(ADMIN_HEADERS)
          .send({ activity, occurredAt: new Date().toISOString() })
          .expect(202);
      }
      const view = await eventually(async () => {
        const { body } = await http().get(`/leads/${id}/sales`).set(ADMIN_HEADERS);
        return body.owner ? (body as { owner: string; team: string }) : undefined;
      });
      return { leadId: id as string, owner: view.owner, team: view.team };
    };

    beforeAll(async () => {
      owned = await assignedLead('DE');
      elsewhere = await assignedLead('US');
    }, 60_000);

    it('assigns by the team rules', () => {
      expect(owned).toMatchObject({ team: TEAM });
      expect(elsewhere).toMatchObject({ team: 'north-america' });
    });

    it("lets a rep read and act on its own lead and no one else's", async () => {
      const rep = await issueKey({ role: 'rep', principal: owned.owner, team: TEAM });
      await http().get(`/leads/${owned.leadId}`).set(bearer(rep.key)).expect(200);
      await http().get(`/leads/${owned.leadId}/sales`).set(bearer(rep.key)).expect(200);
      await http()
        .get(`/leads/${owned.leadId}/score`)
        .set(bearer(rep.key))
        .expect((r) => expect([200, 404]).toContain(r.status));
      await http().get(`/leads/${elsewhere.leadId}`).set(bearer(rep.key)).expect(403);
      await http().post(`/leads/${elsewhere.leadId}/accept`).set(bearer(rep.key)).expect(403);
      await http().post(`/leads/${owned.leadId}/accept`).set(bearer(rep.key)).expect(200);
    });

    it("lets a manager act on the team's leads and unassigned ones, not another team's", async () => {
      await http().get(`/leads/${owned.leadId}`).set(bearer(keys.manager)).expect(200);
      await http().get(`/leads/${leadId}`).set(bearer(keys.manager)).expect(200);
      await http().get(`/leads/${elsewhere.leadId}`).set(bearer(keys.manager)).expect(403);
      await http()
        .post(`/leads/${elsewhere.leadId}/reassign`)
        .set(bearer(keys.manager))
        .send({ owner: 'lukas@acme.example' })
        .expect(403);
    });
  });

  describe('the actor of every event', () => {
    const actorsOf = async (id: string) =>
      (
        (await http().get(`/leads/${id}/events`).set(ADMIN_HEADERS).expect(200)).body as { actor: string }[]
      ).map(({ actor }) => actor);

    it('is the API key that wrote it, on every writing route; headers cannot name it', async () => {
      const ingest = await issueKey({ role: 'ingest', principal: 'crm-sync' });
      const spoof = { 'X-Actor': 'user:ceo@acme.example', 'X-Api-Key': ingest.key };
      const single = await http().post('/leads').set(spoof).send(lead()).expect(202);
      const batch = await http()
        .post('/leads:batch')
        .set(spoof)
        .send({ leads: [lead()] })
        .expect(200);
      await http()
        .post(`/leads/${single.body.leadId}/engagements`)
        .set(spoof)
        .send({ activity: 'pricing_page_view', occurredAt: '2026-11-20T10:00:00Z' })
        .expect(202);

      const written = (await actorsOf(single.body.leadId)).filter((actor) => !actor.startsWith('system:'));
      expect(written).toEqual([`api-key:${ingest.id}`, `api-key:${ingest.id}`]);
      expect(await actorsOf(batch.body.results[0].leadId)).toContain(`api-key:${ingest.id}`);
    });

    it("is the token's subject for a person", async () => {
      const token = await idp.sign({ sub: 'user-7', email: 'ana@acme.example', roles: ['ingest'] });
      const { body } = await http().post('/leads').set(bearer(token)).send(lead()).expect(202);
      expect(await actorsOf(body.leadId)).toContain('user:user-7');
    });
  });

  describe('API keys', () => {
    it('shows a key once, lists it without its secret, and refuses it once revoked', async () => {
      const issued = await issueKey({ role: 'analyst', principal: 'bi-tool' });
      expect(issued.key).toMatch(/^llk_[A-Za-z0-9_-]{43}$/);
      await http().get('/scoring-model').set(bearer(issued.key)).expect(200);

      const listed = (await http().get('/admin/api-keys').set(ADMIN_HEADERS).expect(200)).body;
      const entry = listed.find((key: { id: string }) => key.id === issued.id);
      expect(entry).toMatchObject({
        role: 'analyst',
        principal: 'bi-tool',
        issuedBy: expect.stringMatching(/^api-key:/),
      });
      expect(JSON.stringify(listed)).not.toContain(issued.key);
      expect(JSON.stringify(listed)).not.toMatch(/secretHash|[0-9a-f]{64}/);

      await http().delete(`/admin/api-keys/${issued.id}`).set(ADMIN_HEADERS).expect(204);
      const refused = await http().get('/scoring-model').set(bearer(issued.key)).expect(401);
      expect(refused.body.message).toMatch(/revoked/);
      const after = (await http().get('/admin/api-keys').set(ADMIN_HEADERS).expect(200)).body;
      expect(after.find((key: { id: string }) => key.id === issued.id)).toMatchObject({
        revokedAt: expect.any(String),
        revokedBy: expect.stringMatching(/^api-key:/),
      });
    });

    it('refuses a key from its expiry on', async () => {
      const issued = await issueKey({
        role: 'analyst',
        principal: 'short-lived',
        expiresAt: new Date(Date.now() + 1_500).toISOString(),
      });
      await http().get('/scoring-model').set(bearer(issued.key)).expect(200);
      await new Promise((done) => setTimeout(done, 1_600));
      const { body } = await http().get('/scoring-model').set(bearer(issued.key)).expect(401);
      expect(body.message).toMatch(/expired/);
    });

    it.each([
      ['an unknown role', { role: 'root', principal: 'x' }, 'role'],
      ['no principal', { role: 'ingest' }, 'principal'],
      ['a principal with a NUL', { role: 'ingest', principal: 'a\u0000b' }, 'principal'],
      [
        'an expiry in the past',
        { role: 'ingest', principal: 'x', expiresAt: '2020-01-01T00:00:00Z' },
        'expiresAt',
      ],
      ['an unknown field', { role: 'ingest', principal: 'x', __proto__x: 1 }, '__proto__x'],
    ])('answers a request with %s with a 400 naming the field', async (_, body, field) => {
      const response = await http().post('/admin/api-keys').set(ADMIN_HEADERS).send(body).expect(400);
      expect(response.body.issues).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });

    it('answers 404 for revoking a key that does not exist', async () => {
      await http().delete(`/admin/api-keys/${randomUUID()}`).set(ADMIN_HEADERS).expect(404);
    });

    it('scopes Idempotency-Keys to the caller: two systems may use the same key', async () => {
      const [first, second] = await Promise.all([
        issueKey({ role: 'ingest', principal: 'system-a' }),
        issueKey({ role: 'ingest', principal: 'system-b' }),
      ]);
      const key = randomUUID();
      const a = await http().post('/leads').set(bearer(first.key)).set('Idempotency-Key', key).send(lead());
      const b = await http().post('/leads').set(bearer(second.key)).set('Idempotency-Key', key).send(lead());
      expect([a.status, b.status]).toEqual([202, 202]);
      expect(b.body).toMatchObject({ outcome: 'captured', replayed: false });
      expect(b.body.leadId).not.toBe(a.body.leadId);
    });
  });

  describe('tokens', () => {
    it('admits a valid token with the role its claims give', async () => {
      const token = await idp.sign({ sub: 'u1', email: 'ana@acme.example', roles: ['analyst'] });
      await http().get('/scoring-model').set(bearer(token)).expect(200);
      await http().post('/leads').set(bearer(token)).send(lead()).expect(403);
    });

    it.each([
      [
        'expired',
        () => idp.sign({ sub: 'u1', roles: ['analyst'] }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
        /expired/,
      ],
      ['wrong issuer', () => idp.sign({ sub: 'u1', roles: ['analyst'], iss: 'https://evil.example' }), /iss/],
      ['wrong audience', () => idp.sign({ sub: 'u1', roles: ['analyst'], aud: 'another-app' }), /aud/],
      ['unknown kid', () => idp.sign({ sub: 'u1', roles: ['analyst'] }, { stranger: true }), /key/],
      [
        'alg none',
        async () =>
          `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
            JSON.stringify({
              sub: 'u1',
              roles: ['admin'],
              iss: 'https://idp.acme.example/realms/sales',
              aud: 'leadledger',
            }),
          ).toString('base64url')}.`,
        /algorithm/,
      ],
      [
        'tampered signature',
        async () => {
          const [header, payload, signature] = (await idp.sign({ sub: 'u1', roles: ['analyst'] })).split('.');
          const forged = Buffer.from(
            JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), roles: ['admin'] }),
          );
          return `${header}.${forged.toString('base64url')}.${signature}`;
        },
        /signature/,
      ],
    ])('refuses a token that is %s with a 401 and its reason', async (_, token, reason) => {
      const { body } = await http()
        .get('/scoring-model')
        .set(bearer(await token()))
        .expect(401);
      expect(body).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(reason) });
    });

    it('counts failed authentications by reason, never with the credential', async () => {
      await http().get('/scoring-model').set(bearer('llk_not-a-real-key')).expect(401);
      const text = (await http().get('/metrics').expect(200)).text;
      const metrics = parseExposition(text);
      expect(
        sampleValue(metrics, 'leadledger_auth_failures_total', { reason: 'unknown_key' }),
      ).toBeGreaterThan(0);
      expect(
        sampleValue(metrics, 'leadledger_auth_failures_total', { reason: 'token_expired' }),
      ).toBeGreaterThan(0);
      expect(text).not.toContain('llk_not-a-real-key');
    });
  });

  it('sends security headers', async () => {
    const { headers } = await http().get('/health/live').expect(200);
    expect(headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN' });
    expect(headers).not.toHaveProperty('x-powered-by');
  });
});

describe('abuse limits', () => {
  let app: INestApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await startPipeline({ AUTH_FAILURES_PER_MINUTE: '3', RATE_LIMIT_PER_MINUTE: '5' });
  }, 60_000);

  afterAll(() => app?.close());

  it('blocks an address after too many failed authentications, with Retry-After', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      await http()
        .get('/scoring-model')
        .set(bearer(`llk_guess-${attempt}`))
        .expect(401);
    }
    const blocked = await http().get('/scoring-model').set(bearer('llk_guess-4')).expect(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.body.code).toBe('too_many_requests');
    // Blocked even with a good key: the address is what guessed.
    await http().get('/scoring-model').set(ADMIN_HEADERS).expect(429);
    await http().get('/health/live').expect(200);
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY says a proxy sets it: a guesser cannot pick new addresses', async () => {
    // This app's loopback address is blocked by the test above; a forged header does not unblock it.
    await http()
      .get('/scoring-model')
      .set('X-Forwarded-For', '203.0.113.9')
      .set(bearer('llk_guess-5'))
      .expect(429);
  });
});

describe('abuse limits behind a trusted proxy', () => {
  let app: INestApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await startPipeline({ AUTH_FAILURES_PER_MINUTE: '2', TRUST_PROXY: 'loopback' });
  }, 60_000);

  afterAll(() => app?.close());

  it('counts failed authentications per client the proxy names', async () => {
    const from = (client: string, guess: string) =>
      http().get('/scoring-model').set('X-Forwarded-For', client).set(bearer(guess));
    await from('203.0.113.1', 'llk_a').expect(401);
    await from('203.0.113.1', 'llk_b').expect(401);
    await from('203.0.113.1', 'llk_c').expect(429);
    await from('203.0.113.2', 'llk_d').expect(401);
  });
});

describe('rate limits per principal', () => {
  let app: INestApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await startPipeline({ RATE_LIMIT_PER_MINUTE: '5' });
  }, 60_000);

  afterAll(() => app?.close());

  it('answers 429 with Retry-After past the limit, per principal, admins exempt', async () => {
    const issue = async (principal: string) =>
      (
        await http()
          .post('/admin/api-keys')
          .set(ADMIN_HEADERS)
          .send({ role: 'analyst', principal })
          .expect(201)
      ).body.key as string;
    const busy = await issue('busy');
    const calm = await issue('calm');
    for (let call = 0; call < 5; call++) await http().get('/scoring-model').set(bearer(busy)).expect(200);
    const limited = await http().get('/scoring-model').set(bearer(busy)).expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await http().get('/scoring-model').set(bearer(calm)).expect(200);
    for (let call = 0; call < 10; call++) await http().get('/scoring-model').set(ADMIN_HEADERS).expect(200);
  });
});

describe('starting safely', () => {
  it('refuses a short LEADLEDGER_ADMIN_KEY', async () => {
    await expect(
      createServiceApp(PIPELINE, {
        EVENT_STORE: 'pglite://memory',
        LOG_LEVEL: 'silent',
        LEADLEDGER_ADMIN_KEY: 'short',
      }),
    ).rejects.toThrow(/LEADLEDGER_ADMIN_KEY must be at least 32 characters/);
  });

  it('writes a first admin key to the data directory once, readable by its owner only', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'leadledger-access-'));
    try {
      const env = { EVENT_STORE: `pglite://${dataDir}`, LOG_LEVEL: 'silent' };
      const first = await createServiceApp(PIPELINE, env);
      await first.init();
      const key = (await readFile(join(dataDir, 'admin-key'), 'utf8')).trim();
      expect((await stat(join(dataDir, 'admin-key'))).mode & 0o777).toBe(0o600);
      await request(first.getHttpServer()).get('/admin/api-keys').set(bearer(key)).expect(200);
      await first.close();

      const second = await createServiceApp(PIPELINE, env);
      await second.init();
      expect((await readFile(join(dataDir, 'admin-key'), 'utf8')).trim()).toBe(key);
      const listed = (
        await request(second.getHttpServer()).get('/admin/api-keys').set(bearer(key)).expect(200)
      ).body;
      expect(listed).toHaveLength(1);
      await second.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('lets everyone in as an anonymous admin only when AUTH=disabled says so', async () => {
    const open = await createServiceApp(PIPELINE, {
      EVENT_STORE: 'pglite://memory',
      LOG_LEVEL: 'silent',
      AUTH: 'disabled',
    });
    await open.init();
    try {
      const { body } = await request(open.getHttpServer()).post('/leads').send(lead()).expect(202);
      const events = (await request(open.getHttpServer()).get(`/leads/${body.leadId}/events`).expect(200))
        .body;
      expect(events[0].actor).toBe('user:anonymous');
    } finally {
      await open.close();
    }
  }, 60_000);
});
