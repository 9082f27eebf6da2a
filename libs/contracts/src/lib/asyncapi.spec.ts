import { DiagnosticSeverity, Parser, fromFile, type AsyncAPIDocumentInterface } from '@asyncapi/parser';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EVENT_CATALOG, EVENT_NAMES, resolveEventName, type EventName } from './event-catalog';
import { generateEventSchemas, type JsonSchema } from './json-schemas';
import * as topics from './topics';

/*
 * docs/asyncapi.yaml is generated from the code (tools/generate-asyncapi.ts); this spec keeps it current and
 * checks what it says with the AsyncAPI parser: valid, every catalog event on its lifecycle topic with its
 * versioned type and payload schema, every topic documented, dead letters with their headers.
 */

const ROOT = resolve(__dirname, '../../../..');
const ASYNCAPI_FILE = resolve(ROOT, 'docs/asyncapi.yaml');
const FIX = 'run `npm run schemas` and commit docs/asyncapi.yaml';
const CONSUMER_DEAD_LETTER_HEADERS = [
  'dlq_error',
  'dlq_error_type',
  'dlq_original_topic',
  'dlq_original_partition',
  'dlq_original_offset',
  'dlq_consumer_group',
  'dlq_failed_at',
];
const STORED_EVENT_DEAD_LETTER_HEADERS = [
  'dlq_error',
  'dlq_error_type',
  'dlq_original_topic',
  'dlq_failed_at',
  'dlq_event_id',
  'dlq_event_type',
  'dlq_stream_id',
  'dlq_position',
];
const NON_EVENT_MESSAGES = ['LeadSubmission', 'DeadLetter', 'StoredEventDeadLetter'];

const eventSchemas = generateEventSchemas();
/** Every topic name topics.ts exports (LEADS_INBOUND_TOPIC, ...), so a new topic needs a channel too. */
const topicConstants = Object.entries(topics).flatMap(([name, value]) =>
  name.endsWith('_TOPIC') && typeof value === 'string' ? [value] : [],
);

let document: AsyncAPIDocumentInterface;
let errors: string[];

beforeAll(async () => {
  const { document: parsed, diagnostics } = await fromFile(new Parser(), ASYNCAPI_FILE).parse();
  errors = diagnostics
    .filter((diagnostic) => diagnostic.severity === DiagnosticSeverity.Error)
    .map((diagnostic) => `${diagnostic.path.join('.')}: ${diagnostic.message}`);
  if (!parsed) throw new Error(`docs/asyncapi.yaml does not parse:\n${errors.join('\n')}`);
  document = parsed;
});

function channelAt(address: string) {
  return document
    .channels()
    .all()
    .find((channel) => channel.address() === address);
}

function headersOf(message: { headers(): { json(): unknown } | undefined }): {
  required?: string[];
  properties?: Record<string, Record<string, unknown>>;
} {
  return (message.headers()?.json() ?? {}) as ReturnType<typeof headersOf>;
}

/** The parser's view of a schema without the ids it adds. */
function withoutParserIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutParserIds);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => !key.startsWith('x-parser-'))
      .map(([key, value]) => [key, withoutParserIds(value)]),
  );
}

/** A generated schema with its `#/$defs/...` references replaced by what they point to, as the parser does. */
function dereferenced(schema: JsonSchema): unknown {
  const defs = (schema['$defs'] ?? {}) as Record<string, JsonSchema>;
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (typeof node !== 'object' || node === null) return node;
    const pointer = (node as JsonSchema)['$ref'];
    if (typeof pointer === 'string') return visit(defs[pointer.slice('#/$defs/'.length)]);
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, visit(value)]));
  };
  return visit(schema);
}

describe('docs/asyncapi.yaml', () => {
  // The generator reads lead-capture and messaging, which this library must not import: it runs as a process.
  it('is what tools/generate-asyncapi.ts generates', () => {
    const generated = execFileSync(
      process.execPath,
      [
        require.resolve('ts-node/dist/bin'),
        '-P',
        'tsconfig.tools.json',
        'tools/generate-asyncapi.ts',
        '--stdout',
      ],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    const committed = readFileSync(ASYNCAPI_FILE, 'utf8');
    expect(committed === generated ? 'current' : `stale: ${FIX}`).toBe('current');
  }, 120_000);

  it('is a valid AsyncAPI 3.0.0 document', () => {
    expect(errors).toEqual([]);
    expect(document.version()).toBe('3.0.0');
    expect(
      document
        .servers()
        .all()
        .map((server) => server.protocol()),
    ).toContain('kafka');
  });

  it('has a channel for every topic and its dead-letter topic', () => {
    expect(topicConstants.length).toBeGreaterThanOrEqual(3);
    const missing = topicConstants
      .flatMap((topic) => [topic, topics.deadLetterTopicOf(topic)])
      .filter((address) => channelAt(address) === undefined);
    expect(missing).toEqual([]);
  });

  it("puts every catalog event on its category's lifecycle channel, with its type and payload schema", () => {
    for (const name of EVENT_NAMES) {
      const { type, category } = EVENT_CATALOG[name];
      const message = channelAt(topics.lifecycleTopicOf(category))
        ?.messages()
        .all()
        .find((each) => each.name() === name);
      expect({ name, found: message !== undefined }).toEqual({ name, found: true });
      if (!message) continue;
      const headers = headersOf(message);
      expect({ name, ceType: headers.properties?.['ce_type']?.['const'] }).toEqual({ name, ceType: type });
      expect(headers.required).toEqual(
        expect.arrayContaining(['ce_type', 'ce_id', 'ce_subject', 'ce_actor']),
      );
      expect(withoutParserIds(message.payload()?.json())).toEqual(dereferenced(eventSchemas[type]));
    }
  });

  it('has no lifecycle message that is not a catalog event of that category', () => {
    for (const category of ['lead', 'opportunity'] as const) {
      const strangers = (channelAt(topics.lifecycleTopicOf(category))?.messages().all() ?? [])
        .map((message) => message.name() ?? message.id())
        .filter((name) => {
          const known = resolveEventName(name);
          return known !== name || EVENT_CATALOG[known as EventName].category !== category;
        });
      expect(strangers).toEqual([]);
    }
    const others = document
      .allMessages()
      .all()
      .map((message) => message.name() ?? message.id())
      .filter((name) => resolveEventName(name) === undefined && !NON_EVENT_MESSAGES.includes(name));
    expect(others).toEqual([]);
  });

  it('gives every dead-letter channel messages with the dlq headers', () => {
    const deadLetterChannels = document
      .channels()
      .all()
      .filter((channel) => channel.address()?.endsWith('.dlq'));
    expect(deadLetterChannels.length).toBeGreaterThanOrEqual(topicConstants.length);
    for (const channel of deadLetterChannels) {
      const messages = channel.messages().all();
      expect(messages.length).toBeGreaterThan(0);
      for (const message of messages) {
        const expected =
          message.name() === 'StoredEventDeadLetter'
            ? STORED_EVENT_DEAD_LETTER_HEADERS
            : CONSUMER_DEAD_LETTER_HEADERS;
        const headers = headersOf(message);
        const where = `${channel.address()} ${message.name()}`;
        expect({ where, required: [...(headers.required ?? [])].sort() }).toEqual({
          where,
          required: [...expected].sort(),
        });
        expect(Object.keys(headers.properties ?? {})).toEqual(expect.arrayContaining(expected));
      }
    }
  });

  it('names who sends and receives each lifecycle topic', () => {
    const operationsOn = (address: string) =>
      document
        .operations()
        .all()
        .filter((operation) =>
          operation
            .channels()
            .all()
            .some((channel) => channel.address() === address),
        )
        .map((operation) => operation.action());
    expect(operationsOn(topics.LEADS_INBOUND_TOPIC)).toContain('receive');
    expect(operationsOn(topics.LEADS_LIFECYCLE_TOPIC)).toEqual(expect.arrayContaining(['send', 'receive']));
    expect(operationsOn(topics.OPPORTUNITIES_LIFECYCLE_TOPIC)).toContain('send');
  });
});
