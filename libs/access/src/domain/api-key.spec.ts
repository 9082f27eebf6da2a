import { DeciderSpecification } from '@leadledger/eventsourcing/testing';
import { apiKeyCodec, apiKeyDecider, principalOfKey, type ApiKeyGrant, type ApiKeyState } from './api-key';

const grant: ApiKeyGrant = {
  keyId: '0b7c9a52-3c1e-5d2a-9e4f-1a2b3c4d5e6f',
  secretHash: 'a'.repeat(64),
  role: 'ingest',
  principal: 'hubspot-sync',
};
const issued = { type: 'ApiKeyIssued', data: grant } as const;
const revoked = { type: 'ApiKeyRevoked', data: { keyId: grant.keyId } } as const;

describe('API key decider', () => {
  const spec = DeciderSpecification.for(apiKeyDecider, apiKeyCodec);

  it('issues a new key', () => {
    spec.given().when({ type: 'IssueApiKey', grant }).then([issued]);
  });

  it('changes nothing when the same key is issued again with the same grant (a restart)', () => {
    spec.given(issued).when({ type: 'IssueApiKey', grant }).thenNothingHappened();
  });

  it('refuses to reissue a key with another role: a secret cannot silently gain rights', () => {
    spec
      .given(issued)
      .when({ type: 'IssueApiKey', grant: { ...grant, role: 'admin' } })
      .thenThrows('conflict', /another role or owner/);
  });

  it('never brings a revoked key back', () => {
    spec
      .given(issued, revoked)
      .when({ type: 'IssueApiKey', grant })
      .thenThrows('precondition', /revoked/);
  });

  it('revokes an active key once', () => {
    spec.given(issued).when({ type: 'RevokeApiKey', keyId: grant.keyId }).then([revoked]);
    spec.given(issued, revoked).when({ type: 'RevokeApiKey', keyId: grant.keyId }).thenNothingHappened();
  });

  it('cannot revoke a key that was never issued', () => {
    spec.given().when({ type: 'RevokeApiKey', keyId: grant.keyId }).thenThrows('not_found');
  });
});

describe('principalOfKey', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const active = (extra: Partial<ApiKeyGrant> = {}): ApiKeyState => ({
    status: 'active',
    grant: { ...grant, ...extra },
  });

  it('is the key owner with the key role, the credential naming the key', () => {
    expect(principalOfKey(active({ team: 'emea' }), now)).toEqual({
      ok: true,
      principal: {
        id: 'hubspot-sync',
        roles: ['ingest'],
        team: 'emea',
        credential: { kind: 'api-key', keyId: grant.keyId },
      },
    });
  });

  it('refuses a key from the instant it expires', () => {
    expect(principalOfKey(active({ expiresAt: '2026-06-01T12:00:00Z' }), now)).toEqual({
      ok: false,
      reason: 'expired_key',
    });
    expect(principalOfKey(active({ expiresAt: '2026-06-01T12:00:01Z' }), now).ok).toBe(true);
  });

  it('refuses revoked and unknown keys', () => {
    expect(principalOfKey({ status: 'revoked', grant }, now)).toEqual({ ok: false, reason: 'revoked_key' });
    expect(principalOfKey({ status: 'absent' }, now)).toEqual({ ok: false, reason: 'unknown_key' });
  });
});

describe('apiKeyCodec', () => {
  it('refuses to store a grant with a field it does not know or a wrong value', () => {
    expect(() =>
      apiKeyCodec.encode({
        type: 'ApiKeyIssued',
        data: { ...grant, role: 'root' as never, secret: 'x' } as never,
      }),
    ).toThrow(/role.*secret|secret.*role/s);
  });

  it('reads back what it stores, and skips types it does not know', () => {
    const stored = apiKeyCodec.encode(issued);
    expect(apiKeyCodec.decode(stored)).toEqual(issued);
    expect(apiKeyCodec.decode({ type: 'leadledger.internal.something-else', data: {} })).toBeUndefined();
  });
});
