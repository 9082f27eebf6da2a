import { InvalidConfigurationError, readPlatformConfig, type PlatformDefaults } from './platform-config';

const pipeline: PlatformDefaults = {
  service: 'pipeline',
  eventStoreUrl: 'pglite://./.data',
  requireKafka: false,
  relay: true,
};
const leadCapture: PlatformDefaults = { service: 'lead-capture', requireKafka: true, relay: true };

describe('readPlatformConfig', () => {
  describe('HOST', () => {
    it('listens on loopback only unless told otherwise', () => {
      expect(readPlatformConfig({}, pipeline).host).toBe('127.0.0.1');
      expect(readPlatformConfig({ HOST: '  ' }, pipeline).host).toBe('127.0.0.1');
    });

    it.each([
      ['0.0.0.0', '0.0.0.0'],
      ['::', '::'],
      ['[::1]', '::1'],
      ['leads.internal', 'leads.internal'],
      ['localhost', 'localhost'],
    ])('takes %s', (value, host) => {
      expect(readPlatformConfig({ HOST: value }, pipeline).host).toBe(host);
    });

    it.each(['0.0.0.0:3000', 'http://0.0.0.0', 'two words', '-bad-.host'])(
      'refuses %s, naming HOST',
      (value) => {
        expect(() => readPlatformConfig({ HOST: value }, pipeline)).toThrow(
          new InvalidConfigurationError(
            'HOST',
            `must be an IP address or a host name (0.0.0.0 for every interface), got "${value}"`,
          ),
        );
      },
    );
  });

  it('runs the pipeline on embedded defaults when nothing is set', () => {
    expect(readPlatformConfig({}, pipeline)).toEqual({
      service: 'pipeline',
      eventStoreUrl: 'pglite://./.data',
      port: 3000,
      host: '127.0.0.1',
      trustProxy: false,
      relay: true,
      readModels: { schema: 'read' },
    });
  });

  it('reads the store, brokers, port and relay switch from the environment', () => {
    const config = readPlatformConfig(
      {
        EVENT_STORE: 'postgres://app@db/leads',
        KAFKA_BROKERS: '10.0.0.5:9092, kafka-2:9092',
        PORT: '8080',
        RELAY: 'off',
      },
      leadCapture,
    );

    expect(config).toEqual({
      service: 'lead-capture',
      eventStoreUrl: 'postgres://app@db/leads',
      kafkaBrokers: ['10.0.0.5:9092', 'kafka-2:9092'],
      port: 8080,
      host: '127.0.0.1',
      trustProxy: false,
      relay: false,
      readModels: { schema: 'read' },
    });
  });

  it.each([
    ['1', 1],
    ['loopback', 'loopback'],
    ['10.0.0.0/8, uniquelocal, ::1', '10.0.0.0/8,uniquelocal,::1'],
  ])('trusts the proxies TRUST_PROXY=%s names', (value, trusted) => {
    expect(readPlatformConfig({ TRUST_PROXY: value }, pipeline).trustProxy).toEqual(trusted);
  });

  it.each(['everyone', '10.0.0.300', 'true'])('refuses TRUST_PROXY=%s', (value) => {
    expect(() => readPlatformConfig({ TRUST_PROXY: value }, pipeline)).toThrow(/TRUST_PROXY must be/);
  });

  it('keeps the read models beside the events, apart per event store schema, or where READ_MODELS_URL says', () => {
    const beside = readPlatformConfig({ EVENT_STORE: 'postgres://app@db/leads?schema=staging' }, pipeline);
    const elsewhere = readPlatformConfig(
      {
        EVENT_STORE: 'esdb://es:2113?tls=false',
        READ_MODELS_URL: 'postgres://app@db/read',
        READ_SCHEMA: 'crm',
      },
      pipeline,
    );

    expect(beside.readModels).toEqual({ schema: 'staging_read' });
    expect(elsewhere.readModels).toEqual({ url: 'postgres://app@db/read', schema: 'crm' });
  });

  it.each([
    [{}, leadCapture, 'EVENT_STORE', /is required/],
    [{ EVENT_STORE: 'mysql://db' }, pipeline, 'EVENT_STORE', /not an event store URL/],
    [{ EVENT_STORE: 'pglite://./d' }, leadCapture, 'KAFKA_BROKERS', /is required by lead-capture/],
    [{ KAFKA_BROKERS: 'kafka' }, pipeline, 'KAFKA_BROKERS', /"kafka", not host:port/],
    [{ PORT: '80a' }, pipeline, 'PORT', /whole number from 1 to 65535/],
    [{ PORT: '70000' }, pipeline, 'PORT', /whole number/],
    [{ RELAY: 'maybe' }, pipeline, 'RELAY', /true or false/],
    [{ EVENT_STORE: 'esdb://es:2113' }, pipeline, 'READ_MODELS_URL', /required with an EventStoreDB/],
    [{ READ_MODELS_URL: 'mysql://db' }, pipeline, 'READ_MODELS_URL', /must be a postgres:\/\/ URL/],
    [{ READ_SCHEMA: 'Read-Models' }, pipeline, 'READ_SCHEMA', /lower-case SQL identifier/],
  ])('stops at %j, naming %s', (env, defaults, variable, problem) => {
    const read = () => readPlatformConfig(env as NodeJS.ProcessEnv, defaults as PlatformDefaults);

    expect(read).toThrow(InvalidConfigurationError);
    expect(read).toThrow(new RegExp(`^${variable} `));
    expect(read).toThrow(problem);
  });
});
