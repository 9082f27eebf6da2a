/**
 * Writes docs/asyncapi.yaml, the AsyncAPI 3.0.0 description of every Kafka topic, built from the code that defines
 * them: the event catalog, the topic names, the CloudEvents header mapping, the committed event payload schemas,
 * lead-capture's submission rules and the dead-letter headers. Run with `npm run schemas` (after the JSON Schemas,
 * which the document references). With `--stdout` it prints the document instead of writing it:
 * libs/contracts/src/lib/asyncapi.spec.ts compares that with the committed file.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  ACTOR_KINDS,
  EVENT_CATALOG,
  EVENT_NAMES,
  KAFKA_HEADERS,
  LEADS_INBOUND_TOPIC,
  LEADS_LIFECYCLE_TOPIC,
  OPPORTUNITIES_LIFECYCLE_TOPIC,
  deadLetterTopicOf,
  openApiSchemasOf,
  type EventName,
  type JsonSchema,
  type StreamCategory,
} from '@leadledger/contracts';
import { schemaFileNameOf } from '../libs/contracts/src/lib/json-schemas';
// The modules that define them rather than the libraries' entry points, which load every service's runtime.
import {
  LEAD_SUBMISSION_REQUEST_CLASSES,
  LeadSubmissionRequest,
} from '../libs/lead-capture/src/http/lead-requests';
import { DEAD_LETTER_HEADERS } from '../libs/messaging/src/lib/dead-letter';

const ASYNCAPI_FILE = resolve(__dirname, '../docs/asyncapi.yaml');
/** Where the payload references point, relative to docs/asyncapi.yaml. */
const SCHEMAS_FROM_DOCS = '../libs/contracts/schemas';

/** The relay's dead-letter topic base for an event whose stream maps to no lifecycle topic (event-relay.ts). */
const RELAY_UNROUTABLE_TOPIC = 'leadledger.relay.unroutable';

const BINDING_VERSION = '0.5.0';
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };
type JsonObject = { [key: string]: Json };

const ref = (pointer: string): JsonObject => ({ $ref: pointer });
const schemaRef = (name: string): JsonObject => ref(`#/components/schemas/${name}`);
const messageRef = (name: string): JsonObject => ref(`#/components/messages/${name}`);

const LIFECYCLE: { readonly [C in StreamCategory]: { readonly topic: string; readonly channel: string } } = {
  lead: { topic: LEADS_LIFECYCLE_TOPIC, channel: 'leadsLifecycle' },
  opportunity: { topic: OPPORTUNITIES_LIFECYCLE_TOPIC, channel: 'opportunitiesLifecycle' },
};
const CATEGORIES = Object.keys(LIFECYCLE) as StreamCategory[];
const streamIdSchemaName = (category: StreamCategory): string => `${category}StreamId`;
const eventsOf = (category: StreamCategory): EventName[] =>
  EVENT_NAMES.filter((name) => EVENT_CATALOG[name].category === category);

/** One schema per CloudEvents attribute header, named by the header. */
const CLOUDEVENT_HEADER_SCHEMAS: { readonly [H in keyof typeof KAFKA_HEADERS]: JsonObject } = {
  specversion: { type: 'string', const: '1.0', description: 'CloudEvents specversion.' },
  id: {
    type: 'string',
    format: 'uuid',
    description: 'The event id in the store; the same on every redelivery, so consumers deduplicate by it.',
  },
  source: {
    type: 'string',
    minLength: 1,
    description: 'URI-reference of the service that wrote the event, e.g. /leadledger/lead-capture.',
  },
  type: { type: 'string', minLength: 1, description: 'The versioned event type.' },
  subject: { type: 'string', minLength: 1, description: 'The stream id; equal to the message key.' },
  time: { type: 'string', format: 'date-time', description: 'Business time: when it happened (RFC 3339).' },
  recordedat: { type: 'string', format: 'date-time', description: 'When the store recorded it (RFC 3339).' },
  datacontenttype: { type: 'string', const: 'application/json', description: 'CloudEvents datacontenttype.' },
  correlationid: {
    type: 'string',
    minLength: 1,
    description: 'Shared by every event descending from one command or inbound message.',
  },
  causationid: {
    type: 'string',
    minLength: 1,
    description: 'The id of the event or command that directly caused this one.',
  },
  actor: {
    type: 'string',
    pattern: `^(${ACTOR_KINDS.join('|')}):.+$`,
    description: 'Who caused the event, e.g. user:ana@example.com, system:marketing-scoring.',
  },
};
const headerSchemaName = (attribute: keyof typeof KAFKA_HEADERS): string => KAFKA_HEADERS[attribute];

function cloudEventHeaders(category: StreamCategory, versionedType: string): JsonObject {
  const attributes = Object.keys(KAFKA_HEADERS) as (keyof typeof KAFKA_HEADERS)[];
  const properties: JsonObject = {};
  for (const attribute of attributes) {
    const header = KAFKA_HEADERS[attribute];
    properties[header] =
      attribute === 'type'
        ? { type: 'string', const: versionedType, description: 'The versioned event type.' }
        : attribute === 'subject'
          ? schemaRef(streamIdSchemaName(category))
          : schemaRef(headerSchemaName(attribute));
  }
  return { type: 'object', required: attributes.map((attribute) => KAFKA_HEADERS[attribute]), properties };
}

function eventMessage(name: EventName): JsonObject {
  const { type, category } = EVENT_CATALOG[name];
  return {
    name,
    title: type,
    summary: `${name} (${type}), an event of a ${category}-{${category}Id} stream, published by the relay.`,
    contentType: 'application/json',
    headers: cloudEventHeaders(category, type),
    payload: ref(`${SCHEMAS_FROM_DOCS}/${schemaFileNameOf(type)}`),
    bindings: { kafka: { key: schemaRef(streamIdSchemaName(category)), bindingVersion: BINDING_VERSION } },
  };
}

const dlqHeader = (description: string): JsonObject => ({ type: 'string', description });

type DeadLetterHeader = keyof typeof DEAD_LETTER_HEADERS;

const DEAD_LETTER_HEADER_SCHEMAS: { readonly [H in DeadLetterHeader]: JsonObject } = {
  error: dlqHeader('Why it failed (the error message, at most 2,000 characters).'),
  errorType: dlqHeader('The error name, e.g. PermanentMessageError.'),
  originalTopic: dlqHeader(
    `The topic it was consumed from or meant for (${RELAY_UNROUTABLE_TOPIC} for a stream of no lifecycle topic).`,
  ),
  originalPartition: { ...dlqHeader('Its partition there.'), pattern: '^[0-9]+$' },
  originalOffset: { ...dlqHeader('Its offset there.'), pattern: '^[0-9]+$' },
  consumerGroup: dlqHeader('The consumer (group) that gave up on it.'),
  failedAt: { ...dlqHeader('When it was dead-lettered (RFC 3339).'), format: 'date-time' },
  eventId: { ...dlqHeader('The stored event id.'), format: 'uuid' },
  eventType: dlqHeader('The stored event type.'),
  streamId: dlqHeader('The stream the event is stored in.'),
  position: { ...dlqHeader("The event's global position in the store."), pattern: '^[0-9]+$' },
};

/** Written by toDeadLetter: a consumer gave up on a Kafka message. */
const MESSAGE_DEAD_LETTER_HEADERS: readonly DeadLetterHeader[] = [
  'error',
  'errorType',
  'originalTopic',
  'originalPartition',
  'originalOffset',
  'consumerGroup',
  'failedAt',
];
/** Written by toStoredEventDeadLetter: a stored event never became a message (consumerGroup only from a consumer). */
const STORED_EVENT_DEAD_LETTER_HEADERS: readonly DeadLetterHeader[] = [
  'error',
  'errorType',
  'originalTopic',
  'failedAt',
  'eventId',
  'eventType',
  'streamId',
  'position',
];

function deadLetterHeaders(
  required: readonly DeadLetterHeader[],
  optional: readonly DeadLetterHeader[],
): JsonObject {
  return {
    type: 'object',
    required: required.map((key) => DEAD_LETTER_HEADERS[key]),
    properties: Object.fromEntries(
      [...required, ...optional].map((key) => [DEAD_LETTER_HEADERS[key], DEAD_LETTER_HEADER_SCHEMAS[key]]),
    ),
  };
}

/** What a consumer's dead letter carries: the original message, its headers kept, plus dlq_ headers. */
function messageDeadLetter(): JsonObject {
  return {
    name: 'DeadLetter',
    title: 'A message a consumer gave up on',
    summary:
      'The original key, value and headers, unchanged, plus dlq_ headers saying why and where it came from; ' +
      'written after bounded retries, or at once for a message no retry can fix.',
    headers: {
      ...deadLetterHeaders(MESSAGE_DEAD_LETTER_HEADERS, []),
      additionalProperties: { type: 'string', description: 'The original message headers.' },
    },
    payload: { description: 'The original message value, unchanged (it may not be valid JSON).' },
    bindings: {
      kafka: {
        key: { type: 'string', description: 'The original message key; empty when it had none.' },
        bindingVersion: BINDING_VERSION,
      },
    },
  };
}

/** What stands in for a stored event that never became a message. */
function storedEventDeadLetter(): JsonObject {
  return {
    name: 'StoredEventDeadLetter',
    title: 'A stored event that could not be published or handled',
    summary:
      'Written by the relay instead of an event it cannot publish as a CloudEvent (so that one bad event does ' +
      'not hold up every stream behind it), or by a consumer reading the store that gave up on the event.',
    headers: {
      ...deadLetterHeaders(STORED_EVENT_DEAD_LETTER_HEADERS, ['consumerGroup']),
      additionalProperties: {
        type: 'string',
        description:
          'The CloudEvents headers the event would have been published with, when it makes an envelope.',
      },
    },
    payload: {
      description: "The event's data as JSON, as it would have been published (null when it had none).",
    },
    bindings: {
      kafka: { key: { type: 'string', description: 'The stream id.' }, bindingVersion: BINDING_VERSION },
    },
  };
}

function leadSubmissionMessage(): JsonObject {
  const inboundHeader = (description: string): JsonObject => ({ type: 'string', description });
  return {
    name: 'LeadSubmission',
    title: 'A lead submission',
    summary:
      'The body POST /leads takes. Intake trims strings, drops "" and null fields and normalizes the email, ' +
      'then validates strictly; a message that can never be accepted goes to the dead-letter topic.',
    contentType: 'application/json',
    headers: {
      type: 'object',
      properties: {
        [KAFKA_HEADERS.id]: inboundHeader(
          'Optional message id: a redelivery with the same id changes nothing (else topic, partition and ' +
            'offset identify the message).',
        ),
        [KAFKA_HEADERS.actor]: inboundHeader(
          'Optional: whom the producer says it acts for, as user:<id> or integration:<id>, recorded as ' +
            '`claimedActor`; the actor of the events is the configured producer (LEADS_INBOUND_PRODUCER, ' +
            'integration:kafka by default). A malformed or system: claim is dead-lettered.',
        ),
        [KAFKA_HEADERS.correlationid]: inboundHeader(
          'Optional correlation id for the events this submission causes; derived from the message id when absent.',
        ),
      },
    },
    payload: schemaRef(LeadSubmissionRequest.name),
  };
}

/** LeadSubmissionRequest's schema and the value objects it references, as OpenAPI-style component schemas. */
function submissionSchemas(): Record<string, JsonSchema> {
  const all = openApiSchemasOf(LEAD_SUBMISSION_REQUEST_CLASSES);
  const needed = new Set<string>();
  const visit = (name: string): void => {
    if (needed.has(name)) return;
    needed.add(name);
    const refs = JSON.stringify(all[name]).match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
    refs.forEach((each) => visit(each.slice('"#/components/schemas/'.length, -1)));
  };
  visit(LeadSubmissionRequest.name);
  return Object.fromEntries(Object.entries(all).filter(([name]) => needed.has(name)));
}

function kafkaGroup(service: string): JsonObject {
  return {
    kafka: {
      groupId: { type: 'string', enum: [service] },
      clientId: { type: 'string', enum: [`leadledger-${service}`] },
      bindingVersion: BINDING_VERSION,
    },
  };
}

function channelMessages(names: readonly string[]): JsonObject {
  return Object.fromEntries(names.map((name) => [name, messageRef(name)]));
}

const operationMessages = (channel: string, names: readonly string[]): Json[] =>
  names.map((name) => ref(`#/channels/${channel}/messages/${name}`));

function operation(
  action: 'send' | 'receive',
  channel: string,
  messages: readonly string[],
  summary: string,
  bindings?: JsonObject,
): JsonObject {
  return {
    action,
    channel: ref(`#/channels/${channel}`),
    summary,
    messages: operationMessages(channel, messages),
    ...(bindings ? { bindings } : {}),
  };
}

/** The whole document, as plain JSON. */
function buildAsyncApi(): JsonObject {
  const channels: JsonObject = {
    leadsInbound: {
      address: LEADS_INBOUND_TOPIC,
      title: 'Lead submissions from other systems',
      description: 'Raw submissions (forms, CRMs, imports), before lead-capture has validated them.',
      messages: channelMessages(['LeadSubmission']),
    },
    leadsInboundDeadLetter: {
      address: deadLetterTopicOf(LEADS_INBOUND_TOPIC),
      title: 'Lead submissions that can never be accepted',
      messages: channelMessages(['DeadLetter']),
    },
  };
  const operations: JsonObject = {
    receiveLeadSubmissions: operation(
      'receive',
      'leadsInbound',
      ['LeadSubmission'],
      'lead-capture validates each submission and appends it to its lead-{leadId} stream.',
      kafkaGroup('lead-capture'),
    ),
    deadLetterLeadSubmissions: operation(
      'send',
      'leadsInboundDeadLetter',
      ['DeadLetter'],
      'lead-capture dead-letters a submission that can never be accepted; the partition goes on.',
    ),
  };
  for (const category of CATEGORIES) {
    const { topic, channel } = LIFECYCLE[category];
    const names = eventsOf(category);
    const deadLetterChannel = `${channel}DeadLetter`;
    channels[channel] = {
      address: topic,
      title: `Every event of every ${category}-{${category}Id} stream`,
      description: `Published by the relay in store order, at least once; the key is the stream id, so one stream's events keep their order.`,
      messages: channelMessages(names),
    };
    channels[deadLetterChannel] = {
      address: deadLetterTopicOf(topic),
      title: `Dead letters of ${topic}`,
      description: `Messages a consumer of ${topic} gave up on, and stored events of its streams that the relay could not publish or a consumer reading the store gave up on.`,
      messages: channelMessages(['DeadLetter', 'StoredEventDeadLetter']),
    };
    operations[`relay${capitalized(category)}Events`] = operation(
      'send',
      channel,
      names,
      `The relay publishes every stored ${category} event, in store order, checkpointing after the bus acknowledged each batch.`,
    );
    operations[`relayDeadLetter${capitalized(category)}Events`] = operation(
      'send',
      deadLetterChannel,
      ['StoredEventDeadLetter'],
      `The relay dead-letters a stored ${category} event it cannot publish as a CloudEvent.`,
    );
  }
  channels['relayUnroutableDeadLetter'] = {
    address: deadLetterTopicOf(RELAY_UNROUTABLE_TOPIC),
    title: 'Stored events of streams that map to no lifecycle topic',
    messages: channelMessages(['StoredEventDeadLetter']),
  };
  operations['relayDeadLetterUnroutableEvents'] = operation(
    'send',
    'relayUnroutableDeadLetter',
    ['StoredEventDeadLetter'],
    'The relay dead-letters a catalog event stored in a stream that is neither lead-{uuid} nor opportunity-{uuid}.',
  );
  operations['scoreLeadEvents'] = operation(
    'receive',
    'leadsLifecycle',
    eventsOf('lead'),
    'marketing-scoring rescores a lead on LeadCaptured, LeadDetailsUpdated, LeadEngagementRecorded and ' +
      'LeadRecycled, appending LeadScored, LeadMarketingQualified or LeadDisqualified to the same stream; ' +
      'it skips other events.',
    kafkaGroup('marketing-scoring'),
  );
  operations['deadLetterScoringFailures'] = operation(
    'send',
    'leadsLifecycleDeadLetter',
    ['DeadLetter'],
    'marketing-scoring dead-letters a lifecycle message it gave up on.',
  );

  const schemas: JsonObject = {};
  for (const category of CATEGORIES) {
    schemas[streamIdSchemaName(category)] = {
      type: 'string',
      pattern: `^${category}-${UUID}$`,
      description: `A ${category} stream id: ${category}-{${category}Id}.`,
    };
  }
  for (const [attribute, schema] of Object.entries(CLOUDEVENT_HEADER_SCHEMAS)) {
    if (attribute === 'type' || attribute === 'subject') continue;
    schemas[headerSchemaName(attribute as keyof typeof KAFKA_HEADERS)] = schema;
  }
  Object.assign(schemas, submissionSchemas());

  const messages: JsonObject = {
    LeadSubmission: leadSubmissionMessage(),
    ...Object.fromEntries(EVENT_NAMES.map((name) => [name, eventMessage(name)])),
    DeadLetter: messageDeadLetter(),
    StoredEventDeadLetter: storedEventDeadLetter(),
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'leadledger',
      version: '1.0.0',
      description:
        "leadledger's Kafka topics: lead submissions in, every stored lifecycle event out as a CloudEvent in " +
        'binary content mode (attributes as ce_ headers, data as the value), and dead letters. Generated by ' +
        'tools/generate-asyncapi.ts (npm run schemas); do not edit by hand.',
      license: { name: 'Apache-2.0' },
    },
    defaultContentType: 'application/json',
    servers: {
      kafka: {
        host: '{broker}',
        protocol: 'kafka',
        description: 'The Kafka cluster of KAFKA_BROKERS.',
        variables: {
          broker: {
            default: '127.0.0.1:9092',
            description: 'host:port of a broker; the default is the broker of scripts/kafka.sh.',
          },
        },
      },
    },
    channels,
    operations,
    components: { schemas, messages },
  };
}

function capitalized(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** The exact text of docs/asyncapi.yaml: YAML in the shape Prettier leaves unchanged. */
function renderAsyncApi(document: JsonObject): string {
  return `${yamlLines(document, '').join('\n')}\n`;
}

function yamlLines(value: Json, indent: string): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (isCollection(item) && !isEmpty(item)) {
        const [first, ...rest] = yamlLines(item, `${indent}  `);
        return [`${indent}- ${first.trimStart()}`, ...rest];
      }
      return [`${indent}- ${scalar(item)}`];
    });
  }
  return Object.entries(value as JsonObject).flatMap(([key, item]) =>
    isCollection(item) && !isEmpty(item)
      ? [`${indent}${yamlString(key)}:`, ...yamlLines(item, `${indent}  `)]
      : [`${indent}${yamlString(key)}: ${scalar(item)}`],
  );
}

function isCollection(value: Json): value is readonly Json[] | JsonObject {
  return typeof value === 'object' && value !== null;
}

function isEmpty(value: readonly Json[] | JsonObject): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

function scalar(value: Json): string {
  if (Array.isArray(value)) return '[]';
  if (isCollection(value)) return '{}';
  if (typeof value === 'string') return yamlString(value);
  return String(value);
}

const RESERVED = /^(true|false|yes|no|on|off|y|n|null|~)$/i;
const NUMBER_LIKE = /^[-+]?(\.?[0-9]|\.inf|\.nan)/i;
const PLAIN = /^[A-Za-z_$/(][^\n\t]*$/;

/** A plain scalar where YAML reads it back as the same string, else quoted as Prettier prefers (single). */
function yamlString(text: string): string {
  const plain =
    PLAIN.test(text) &&
    !RESERVED.test(text) &&
    !NUMBER_LIKE.test(text) &&
    text.trim() === text &&
    !text.includes(': ') &&
    !text.includes(' #') &&
    !text.endsWith(':');
  if (plain) return text;
  if (text.includes("'") && !text.includes('"')) return JSON.stringify(text);
  return `'${text.replaceAll("'", "''")}'`;
}

const yaml = renderAsyncApi(buildAsyncApi());
if (process.argv.includes('--stdout')) {
  process.stdout.write(yaml);
} else {
  writeFileSync(ASYNCAPI_FILE, yaml);
  console.log(`wrote ${ASYNCAPI_FILE}`);
}
