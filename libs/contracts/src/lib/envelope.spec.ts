import {
  type EventMetadata,
  InvalidEnvelopeError,
  KAFKA_HEADERS,
  type StoredEvent,
  fromKafkaHeaders,
  isActor,
  parseEventMetadata,
  toEnvelope,
  toKafkaHeaders,
  toKafkaMessage,
} from './envelope';

const leadId = '0b9f3c56-54a5-4f7e-9a57-2f1f4b2d6c11';

const metadata: EventMetadata = {
  correlationId: '5f0c6a2e-8d41-4b7a-9c3e-1a2b3c4d5e6f',
  causationId: '9e8d7c6b-5a49-4382-a716-f5e4d3c2b1a0',
  actor: 'integration:hubspot',
  occurredAt: '2024-11-05T14:03:00+01:00',
  source: '/leadledger/lead-capture',
};

/** As the event store hands it to the relay (a RecordedEvent has these fields and more). */
const stored: StoredEvent = {
  id: 'c1a2b3c4-d5e6-4f70-8a9b-0c1d2e3f4a5b',
  streamId: `lead-${leadId}`,
  type: 'LeadCaptured',
  data: { leadId, source: 'import', contact: { email: 'ana.souza@acme-logistics.com' } },
  metadata,
  recordedAt: new Date('2025-03-01T09:30:00.123Z'),
};

describe('toEnvelope', () => {
  it('keeps business time and recording time apart', () => {
    expect(toEnvelope(stored)).toEqual({
      specversion: '1.0',
      id: stored.id,
      source: '/leadledger/lead-capture',
      type: 'leadledger.lead.captured.v1',
      subject: `lead-${leadId}`,
      time: '2024-11-05T14:03:00+01:00',
      recordedat: '2025-03-01T09:30:00.123Z',
      datacontenttype: 'application/json',
      correlationid: metadata.correlationId,
      causationid: metadata.causationId,
      actor: 'integration:hubspot',
      data: stored.data,
    });
  });

  it('accepts a stored versioned type as well as a domain name', () => {
    expect(toEnvelope({ ...stored, type: 'leadledger.lead.captured.v1' }).type).toBe(
      'leadledger.lead.captured.v1',
    );
  });

  it.each([
    [{ type: 'LeadTeleported' }, /type "LeadTeleported" is not in the event catalog/],
    [{ id: 'evt-1' }, /id must be a UUID/],
    [{ metadata: { ...metadata, occurredAt: undefined } }, /metadata\.occurredAt is missing/],
    [{ metadata: { ...metadata, occurredAt: '2024-11-05' } }, /metadata\.occurredAt must be an RFC 3339/],
    [
      { metadata: { ...metadata, actor: 'robot:x' } },
      /metadata\.actor must be "<user\|system\|integration\|api-key>:<id>"/,
    ],
    [{ metadata: { ...metadata, correlationId: 42 } }, /metadata\.correlationId must be a string/],
  ])('refuses to build a malformed envelope (%o)', (change, message) => {
    expect(() => toEnvelope({ ...stored, ...change })).toThrow(message);
  });
});

describe('metadata and actors', () => {
  it('keeps only the metadata fields of the contract', () => {
    expect(parseEventMetadata({ ...metadata, traceparent: '00-abc-def-01' })).toEqual(metadata);
  });

  it.each(['user:ana@example.com', 'system:marketing-scoring', 'integration:hubspot'])(
    'accepts actor %s',
    (actor) => {
      expect(isActor(actor)).toBe(true);
    },
  );

  it.each(['ana@example.com', 'user:', ':hubspot', 'robot:r2', 42])('refuses actor %p', (actor) => {
    expect(isActor(actor)).toBe(false);
  });
});

describe('Kafka binary mode', () => {
  const envelope = toEnvelope(stored);

  it('maps every attribute to its header and the data to the value', () => {
    const message = toKafkaMessage(envelope);
    expect(message.key).toBe(`lead-${leadId}`);
    expect(JSON.parse(message.value)).toEqual(stored.data);
    expect(message.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: stored.id,
      ce_source: '/leadledger/lead-capture',
      ce_type: 'leadledger.lead.captured.v1',
      ce_subject: `lead-${leadId}`,
      ce_time: '2024-11-05T14:03:00+01:00',
      ce_recordedat: '2025-03-01T09:30:00.123Z',
      'content-type': 'application/json',
      ce_correlationid: metadata.correlationId,
      ce_causationid: metadata.causationId,
      ce_actor: 'integration:hubspot',
    });
  });

  it('round-trips through headers and value, as strings or as the Buffers a consumer receives', () => {
    const { value, headers } = toKafkaMessage(envelope);
    expect(fromKafkaHeaders(headers, value)).toEqual(envelope);
    const asBuffers = Object.fromEntries(
      Object.entries(headers).map(([name, text]) => [name, Buffer.from(text)]),
    );
    expect(fromKafkaHeaders(asBuffers, Buffer.from(value))).toEqual(envelope);
  });

  it('accepts media type parameters on content-type', () => {
    const headers = { ...toKafkaHeaders(envelope), 'content-type': 'application/json; charset=utf-8' };
    expect(fromKafkaHeaders(headers, JSON.stringify(envelope.data)).datacontenttype).toBe('application/json');
  });

  it('rejects a message without ce_type, naming the header', () => {
    const { ce_type: _type, ...headers } = toKafkaHeaders(envelope);
    const read = () => fromKafkaHeaders(headers, JSON.stringify(envelope.data));
    expect(read).toThrow(InvalidEnvelopeError);
    expect(read).toThrow('invalid event envelope: ce_type is missing');
    try {
      read();
    } catch (error) {
      expect((error as InvalidEnvelopeError).field).toBe(KAFKA_HEADERS.type);
    }
  });

  it.each([
    ['ce_specversion', '0.3', /ce_specversion must be "1.0"/],
    ['ce_id', 'not-a-uuid', /ce_id must be a UUID/],
    ['ce_time', 'yesterday', /ce_time must be an RFC 3339/],
    ['ce_actor', 'ana', /ce_actor must be/],
    ['content-type', 'application/avro', /content-type must be application\/json/],
    ['ce_subject', '', /ce_subject is empty/],
  ])('rejects a bad %s', (header, badValue, message) => {
    const headers = { ...toKafkaHeaders(envelope), [header]: badValue };
    expect(() => fromKafkaHeaders(headers, JSON.stringify(envelope.data))).toThrow(message);
  });

  it('rejects a repeated header, a tombstone and a value that is not JSON', () => {
    const headers = toKafkaHeaders(envelope);
    expect(() => fromKafkaHeaders({ ...headers, ce_id: [headers.ce_id, headers.ce_id] }, '{}')).toThrow(
      /ce_id appears more than once/,
    );
    expect(() => fromKafkaHeaders(headers, null)).toThrow(/value is empty/);
    expect(() => fromKafkaHeaders(headers, '{"leadId":')).toThrow(/value is not JSON/);
  });
});
