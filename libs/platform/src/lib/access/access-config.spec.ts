import { readAccessConfig } from './access-config';

describe('readAccessConfig', () => {
  it('defaults to authentication on, with limits sized for integrations', () => {
    expect(readAccessConfig({}, 'postgres://db/leads')).toEqual({
      disabled: false,
      requestsPerMinute: 6_000,
      limitAdmins: false,
      authFailuresPerMinute: 30,
    });
  });

  it('puts an embedded store’s first admin key in its data directory, or on the terminal for memory', () => {
    expect(readAccessConfig({}, 'pglite://./.data').firstAdminKey).toEqual({ file: '.data/admin-key' });
    expect(readAccessConfig({}, 'pglite://memory').firstAdminKey).toEqual({ terminal: true });
    expect(readAccessConfig({}, 'postgres://db/leads').firstAdminKey).toBeUndefined();
  });

  it.each([
    [{ AUTH: 'off' }, /AUTH must be "enabled" or "disabled"/],
    [{ LEADLEDGER_ADMIN_KEY: 'x'.repeat(31) }, /LEADLEDGER_ADMIN_KEY must be at least 32 characters/],
    [{ RATE_LIMIT_PER_MINUTE: '0' }, /RATE_LIMIT_PER_MINUTE must be a whole number/],
    [{ AUTH_JWKS_URL: 'https://idp.example/certs' }, /AUTH_ISSUER, AUTH_AUDIENCE must be set/],
  ])('refuses %p, naming the variable', (env, message) => {
    expect(() => readAccessConfig(env, 'postgres://db/leads')).toThrow(message);
  });

  it('says so when authentication is turned off', () => {
    expect(readAccessConfig({ AUTH: 'disabled' }, 'postgres://db/leads').disabled).toBe(true);
  });
});
