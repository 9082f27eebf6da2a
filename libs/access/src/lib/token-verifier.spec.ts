import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';
import { readTokenSettings, TokenVerifier, type TokenSettings } from './token-verifier';

const ISSUER = 'https://idp.acme.example/realms/sales';
const AUDIENCE = 'leadledger';
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const listen = async (server: Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('TokenVerifier', () => {
  let server: Server;
  let settings: TokenSettings;
  let verifier: TokenVerifier;
  let privateKey: KeyLike;
  let strangerKey: KeyLike;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    strangerKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    const port = await listen(server);
    settings = {
      jwksUrl: new URL(`http://127.0.0.1:${port}/certs`),
      issuer: ISSUER,
      audience: AUDIENCE,
      principalClaim: 'email',
      rolesClaim: 'roles',
      teamClaim: 'team',
    };
    verifier = new TokenVerifier(settings);
  });

  afterAll(() => close(server));

  const sign = (
    claims: JWTPayload,
    { key = privateKey, kid = 'key-1', exp = '5m' as string | number } = {},
  ) => {
    const jwt = new SignJWT({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'user-42',
      email: 'ana@acme.example',
      roles: ['rep'],
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime(exp);
    return jwt.sign(key);
  };
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  it('accepts a valid token and maps its claims to a principal', async () => {
    const token = await sign({ roles: ['manager', 'rep', 'manager', 'superuser'], team: 'emea' });
    expect(await verifier.verify(token)).toEqual({
      ok: true,
      principal: {
        id: 'ana@acme.example',
        roles: ['manager', 'rep'],
        team: 'emea',
        credential: { kind: 'token', subject: 'user-42' },
      },
    });
  });

  it('falls back to sub for the id when the token has no email, and leaves an absent team out', async () => {
    const verdict = await verifier.verify(await sign({ email: undefined }));
    expect(verdict).toEqual({
      ok: true,
      principal: { id: 'user-42', roles: ['rep'], credential: { kind: 'token', subject: 'user-42' } },
    });
  });

  it('refuses an email the identity provider says it has not verified', async () => {
    const verdict = await verifier.verify(await sign({ email_verified: false }));
    expect(verdict).toMatchObject({
      ok: false,
      reason: 'bad_claims',
      detail: expect.stringMatching(/not verified/),
    });
  });

  it('refuses an expired token', async () => {
    const verdict = await verifier.verify(await sign({}, { exp: nowSeconds() - 60 }));
    expect(verdict).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('judges expiry by the injected clock', async () => {
    const token = await sign({}, { exp: nowSeconds() - 60 });
    const earlier = new TokenVerifier(settings, { clock: () => new Date(Date.now() - 120_000) });
    expect(await earlier.verify(token)).toMatchObject({ ok: true });
  });

  it('refuses a token that is not valid yet', async () => {
    const verdict = await verifier.verify(await sign({ nbf: nowSeconds() + 60 }));
    expect(verdict).toMatchObject({ ok: false, reason: 'not_yet_valid' });
  });

  it('refuses a token from another issuer', async () => {
    const verdict = await verifier.verify(await sign({ iss: 'https://evil.example' }));
    expect(verdict).toMatchObject({ ok: false, reason: 'wrong_issuer' });
  });

  it('refuses a token for another audience', async () => {
    const verdict = await verifier.verify(await sign({ aud: 'another-app' }));
    expect(verdict).toMatchObject({ ok: false, reason: 'wrong_audience' });
  });

  it('refuses a token signed with a key the JWKS does not hold', async () => {
    const verdict = await verifier.verify(await sign({}, { key: strangerKey, kid: 'key-2' }));
    expect(verdict).toMatchObject({ ok: false, reason: 'unknown_key' });
  });

  it('refuses an unsigned token (alg none)', async () => {
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'user-42', iss: ISSUER, aud: AUDIENCE, roles: ['admin'], exp: nowSeconds() + 300 })}.`;
    expect(await verifier.verify(token)).toMatchObject({ ok: false, reason: 'unsupported_algorithm' });
  });

  it('refuses an HS256 token', async () => {
    const token = await new SignJWT({ sub: 'user-42', roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!'));
    expect(await verifier.verify(token)).toMatchObject({ ok: false, reason: 'unsupported_algorithm' });
  });

  it('refuses a token whose payload was tampered with', async () => {
    const [header, payload, signature] = (await sign({ roles: ['rep'] })).split('.');
    const flipped = `${payload.slice(0, 10)}${payload[10] === 'A' ? 'B' : 'A'}${payload.slice(11)}`;
    expect(await verifier.verify(`${header}.${flipped}.${signature}`)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses garbage and oversized tokens as malformed', async () => {
    expect(await verifier.verify('not a token')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(await verifier.verify('')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(await verifier.verify(await sign({ padding: 'x'.repeat(9000) }))).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  it('refuses a token without any known role', async () => {
    const verdict = await verifier.verify(await sign({ roles: ['superuser', 'offline_access'] }));
    expect(verdict).toMatchObject({ ok: false, reason: 'no_role' });
  });

  it('reads roles given as a space-separated string', async () => {
    const verdict = await verifier.verify(await sign({ roles: 'openid rep  analyst' }));
    expect(verdict).toMatchObject({ ok: true, principal: { roles: ['rep', 'analyst'] } });
  });

  it('reads roles from a dot path', async () => {
    const keycloak = new TokenVerifier({ ...settings, rolesClaim: 'realm_access.roles' });
    const token = await sign({ roles: undefined, realm_access: { roles: ['offline_access', 'admin'] } });
    expect(await keycloak.verify(token)).toMatchObject({ ok: true, principal: { roles: ['admin'] } });
  });

  it('refuses a token without sub', async () => {
    const verdict = await verifier.verify(await sign({ sub: undefined }));
    expect(verdict).toMatchObject({ ok: false, reason: 'bad_claims' });
  });

  it('refuses a team that is not a string', async () => {
    const verdict = await verifier.verify(await sign({ team: ['emea'] }));
    expect(verdict).toMatchObject({ ok: false, reason: 'bad_claims' });
  });

  it('reports the key set as unavailable when the JWKS server is down', async () => {
    const gone = createServer();
    const port = await listen(gone);
    await close(gone);
    const offline = new TokenVerifier({ ...settings, jwksUrl: new URL(`http://127.0.0.1:${port}/certs`) });
    const verdict = await offline.verify(await sign({}));
    expect(verdict).toMatchObject({ ok: false, reason: 'jwks_unavailable' });
    expect(verdict.ok || verdict.detail).not.toBe('');
  });
});

describe('readTokenSettings', () => {
  const complete = {
    AUTH_JWKS_URL: ' https://idp.acme.example/certs ',
    AUTH_ISSUER: 'https://idp.acme.example',
    AUTH_AUDIENCE: 'leadledger',
  };

  it('is undefined when token sign-in is not configured', () => {
    expect(readTokenSettings({})).toBeUndefined();
    expect(readTokenSettings({ AUTH_JWKS_URL: '  ', AUTH_ISSUER: '' })).toBeUndefined();
  });

  it('reads trimmed values with defaults for the claims', () => {
    expect(
      readTokenSettings({ ...complete, AUTH_ROLES_CLAIM: 'realm_access.roles', AUTH_TEAM_CLAIM: ' ' }),
    ).toEqual({
      jwksUrl: new URL('https://idp.acme.example/certs'),
      issuer: 'https://idp.acme.example',
      audience: 'leadledger',
      principalClaim: 'email',
      rolesClaim: 'realm_access.roles',
      teamClaim: 'team',
    });
  });

  it('throws naming what is missing from a partial setup', () => {
    expect(() => readTokenSettings({ ...complete, AUTH_AUDIENCE: ' ' })).toThrow(/AUTH_AUDIENCE/);
    expect(() => readTokenSettings({ AUTH_ISSUER: 'https://idp.acme.example' })).toThrow(
      /AUTH_JWKS_URL, AUTH_AUDIENCE/,
    );
  });

  it('throws when the JWKS URL is not an http(s) URL', () => {
    expect(() => readTokenSettings({ ...complete, AUTH_JWKS_URL: 'file:///etc/jwks.json' })).toThrow(
      /AUTH_JWKS_URL/,
    );
    expect(() => readTokenSettings({ ...complete, AUTH_JWKS_URL: 'not a url' })).toThrow(/AUTH_JWKS_URL/);
  });
});
