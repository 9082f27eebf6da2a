import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';

export const TEST_ISSUER = 'https://idp.acme.example/realms/sales';
export const TEST_AUDIENCE = 'leadledger';

/** An identity provider's key set on loopback, and tokens signed by it (or by a stranger's key). */
export interface TestIdentityProvider {
  /** AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE for an app that trusts it. */
  readonly env: NodeJS.ProcessEnv;
  sign(
    claims: JWTPayload,
    options?: { readonly stranger?: boolean; readonly expiresIn?: string | number },
  ): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIdentityProvider(): Promise<TestIdentityProvider> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const stranger: KeyLike = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    env: {
      AUTH_JWKS_URL: `http://127.0.0.1:${port}/certs`,
      AUTH_ISSUER: TEST_ISSUER,
      AUTH_AUDIENCE: TEST_AUDIENCE,
    },
    sign: (claims, options = {}) =>
      new SignJWT({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: options.stranger ? 'stranger-key' : 'test-key' })
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(options.stranger ? stranger : privateKey),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
