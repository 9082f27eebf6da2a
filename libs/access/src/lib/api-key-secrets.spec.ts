import { keyIdOf, newApiKeySecret, secretHashOf } from './api-key-secrets';

describe('API key secrets', () => {
  it('are 256 random bits, recognizable by their prefix, never the same twice', () => {
    const keys = new Set(Array.from({ length: 1_000 }, newApiKeySecret));
    expect(keys.size).toBe(1_000);
    for (const key of keys) expect(key).toMatch(/^llk_[A-Za-z0-9_-]{43}$/);
  });

  it('are stored as their SHA-256, from which the key id derives the same way every time', () => {
    const hash = secretHashOf('llk_example');
    // `printf llk_example | sha256sum`
    expect(hash).toBe('f9dca2bb620d77c498420e230341c78daa369dff2c477f34faa798256b3c2634');
    expect(keyIdOf(hash)).toBe(keyIdOf(secretHashOf('llk_example')));
    expect(keyIdOf(hash)).not.toBe(keyIdOf(secretHashOf('llk_examplf')));
    expect(keyIdOf(hash)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
