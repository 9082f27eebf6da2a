import { isRFC3339, isUUID } from 'class-validator';
import { type EventType, eventTypeOf, resolveEventName } from './event-catalog';

/*
 * The CloudEvents 1.0 envelope every stored event travels in, and its Kafka binary-mode mapping
 * (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/kafka-protocol-binding.md):
 * attributes become `ce_`-prefixed headers, `data` is the message value, `datacontenttype` is `content-type`.
 */

export const ACTOR_KINDS = ['user', 'system', 'integration', 'api-key'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];
/**
 * Who caused an event: `user:ana@example.com` (a person's token), `api-key:<key id>` (a system or
 * script with a key), `system:marketing-scoring` (leadledger itself), `integration:hubspot` (the
 * producer of an inbound topic).
 */
export type Actor = `${ActorKind}:${string}`;

export function isActor(value: unknown): value is Actor {
  if (typeof value !== 'string') return false;
  const separator = value.indexOf(':');
  return (
    separator > 0 &&
    separator < value.length - 1 &&
    (ACTOR_KINDS as readonly string[]).includes(value.slice(0, separator))
  );
}

export interface EventEnvelope<TType extends string = string, TData = unknown> {
  readonly specversion: '1.0';
  /** The event's id in the store: a UUID, the same on every redelivery, so consumers can deduplicate by it. */
  readonly id: string;
  /** URI-reference of the producing service, e.g. `/leadledger/lead-capture`. */
  readonly source: string;
  /** Versioned type, e.g. `leadledger.lead.captured.v1`. */
  readonly type: TType;
  /** The stream id, e.g. `lead-<uuid>`. */
  readonly subject: string;
  /** RFC 3339 business time, when it happened (CloudEvents: "when the occurrence happened"); may be long past. */
  readonly time: string;
  /** RFC 3339: when the store recorded it. */
  readonly recordedat: string;
  readonly datacontenttype: 'application/json';
  /** Shared by every event descending from one command or inbound message. */
  readonly correlationid: string;
  /** The id of the event or command that directly caused this one. */
  readonly causationid: string;
  readonly actor: Actor;
  readonly data: TData;
}

/**
 * What the event store keeps beside each event's data. A type alias rather than an interface so that it is
 * assignable to the store's `Record<string, unknown>` metadata.
 */
export type EventMetadata = {
  readonly correlationId: string;
  readonly causationId: string;
  readonly actor: Actor;
  /** RFC 3339 business time; becomes the envelope's `time`. */
  readonly occurredAt: string;
  /** URI-reference of the service that wrote the event; becomes the envelope's `source`. */
  readonly source: string;
};

/** The fields of a stored event an envelope needs; the event store's RecordedEvent has all of them. */
export interface StoredEvent<TData = unknown> {
  readonly id: string;
  readonly streamId: string;
  /** `LeadCaptured` or `leadledger.lead.captured.v1`: either is accepted; the envelope carries the latter. */
  readonly type: string;
  readonly data: TData;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly recordedAt: Date;
}

export class InvalidEnvelopeError extends Error {
  override readonly name = 'InvalidEnvelopeError';

  constructor(
    /** The header, attribute or metadata field at fault, e.g. `ce_type` or `metadata.occurredAt`. */
    readonly field: string,
    readonly problem: string,
  ) {
    super(`invalid event envelope: ${field} ${problem}`);
  }
}

/** A problem with the value, or undefined when it is acceptable. */
type Check = (value: string) => string | undefined;

const present: Check = (value) => (value.length > 0 ? undefined : 'is empty');
const uuid: Check = (value) => (isUUID(value) ? undefined : `must be a UUID, got "${value}"`);
const rfc3339: Check = (value) =>
  isRFC3339(value) ? undefined : `must be an RFC 3339 date-time with offset, got "${value}"`;
const actor: Check = (value) =>
  isActor(value) ? undefined : `must be "<${ACTOR_KINDS.join('|')}>:<id>", got "${value}"`;

const METADATA_CHECKS: { readonly [F in keyof EventMetadata]: Check } = {
  correlationId: present,
  causationId: present,
  actor,
  occurredAt: rfc3339,
  source: present,
};

/** Reads the metadata the store returns (untyped JSON), naming the first field that is missing or wrong. */
export function parseEventMetadata(raw: Readonly<Record<string, unknown>>): EventMetadata {
  for (const [field, check] of Object.entries(METADATA_CHECKS)) {
    const value = raw[field];
    const problem =
      typeof value === 'string' ? check(value) : value === undefined ? 'is missing' : 'must be a string';
    if (problem) throw new InvalidEnvelopeError(`metadata.${field}`, problem);
  }
  const { correlationId, causationId, actor, occurredAt, source } = raw as EventMetadata;
  return { correlationId, causationId, actor, occurredAt, source };
}

/** The envelope a stored event is published in; throws InvalidEnvelopeError rather than publish a bad one. */
export function toEnvelope<TData>(event: StoredEvent<TData>): EventEnvelope<EventType, TData> {
  const name = resolveEventName(event.type);
  if (name === undefined)
    throw new InvalidEnvelopeError('type', `"${event.type}" is not in the event catalog`);
  const idProblem = uuid(event.id);
  if (idProblem) throw new InvalidEnvelopeError('id', idProblem);
  if (Number.isNaN(event.recordedAt.getTime()))
    throw new InvalidEnvelopeError('recordedAt', 'is not a valid date');
  const metadata = parseEventMetadata(event.metadata);
  return {
    specversion: '1.0',
    id: event.id,
    source: metadata.source,
    type: eventTypeOf(name),
    subject: event.streamId,
    time: metadata.occurredAt,
    recordedat: event.recordedAt.toISOString(),
    datacontenttype: 'application/json',
    correlationid: metadata.correlationId,
    causationid: metadata.causationId,
    actor: metadata.actor,
    data: event.data,
  };
}

type HeaderAttribute = Exclude<keyof EventEnvelope, 'data'>;

/** Kafka header of each envelope attribute (binary content mode). */
export const KAFKA_HEADERS = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  source: 'ce_source',
  type: 'ce_type',
  subject: 'ce_subject',
  time: 'ce_time',
  recordedat: 'ce_recordedat',
  datacontenttype: 'content-type',
  correlationid: 'ce_correlationid',
  causationid: 'ce_causationid',
  actor: 'ce_actor',
} as const satisfies { readonly [A in HeaderAttribute]: string };

const HEADER_CHECKS: { readonly [A in HeaderAttribute]: Check } = {
  specversion: (value) => (value === '1.0' ? undefined : `must be "1.0", got "${value}"`),
  id: uuid,
  source: present,
  type: present,
  subject: present,
  time: rfc3339,
  recordedat: rfc3339,
  // Media type parameters such as `; charset=utf-8` do not change what the value is.
  datacontenttype: (value) =>
    value.split(';')[0].trim() === 'application/json'
      ? undefined
      : `must be application/json, got "${value}"`,
  correlationid: present,
  causationid: present,
  actor,
};

/** kafkajs' IHeaders fits this, so a consumer passes `message.headers` as it comes. */
export type KafkaHeaders = Readonly<
  Record<string, string | Buffer | readonly (string | Buffer)[] | undefined>
>;

export function toKafkaHeaders(envelope: EventEnvelope): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [attribute, header] of Object.entries(KAFKA_HEADERS)) {
    headers[header] = envelope[attribute as HeaderAttribute];
  }
  return headers;
}

/** The whole message; the key is the stream id, so one stream's events stay in one partition, in order. */
export function toKafkaMessage(envelope: EventEnvelope): {
  key: string;
  value: string;
  headers: Record<string, string>;
} {
  return { key: envelope.subject, value: JSON.stringify(envelope.data), headers: toKafkaHeaders(envelope) };
}

/**
 * The envelope a Kafka message carries. Checks every attribute and throws InvalidEnvelopeError naming the first
 * bad header; it does not check `type` against the catalog, since a consumer may meet types newer than it knows.
 */
export function fromKafkaHeaders(headers: KafkaHeaders, value: Buffer | string | null): EventEnvelope {
  const read = (attribute: HeaderAttribute): string => {
    const header = KAFKA_HEADERS[attribute];
    const raw = headers[header];
    if (raw === undefined) throw new InvalidEnvelopeError(header, 'is missing');
    if (Array.isArray(raw)) throw new InvalidEnvelopeError(header, 'appears more than once');
    const text = raw.toString();
    const problem = HEADER_CHECKS[attribute](text);
    if (problem) throw new InvalidEnvelopeError(header, problem);
    return text;
  };
  const attributes = Object.fromEntries(
    (Object.keys(KAFKA_HEADERS) as HeaderAttribute[]).map((attribute) => [attribute, read(attribute)]),
  ) as Record<HeaderAttribute, string>;
  return {
    ...attributes,
    specversion: '1.0',
    datacontenttype: 'application/json',
    actor: attributes.actor as Actor,
    data: parseValue(value),
  };
}

function parseValue(value: Buffer | string | null): unknown {
  if (value === null) throw new InvalidEnvelopeError('value', 'is empty (a tombstone carries no event)');
  try {
    return JSON.parse(value.toString());
  } catch (error) {
    throw new InvalidEnvelopeError('value', `is not JSON: ${(error as Error).message}`);
  }
}
