import { createHash } from 'node:crypto';
import {
  LEADS_INBOUND_TOPIC,
  OPPORTUNITIES_LIFECYCLE_TOPIC,
  LEADS_LIFECYCLE_TOPIC,
  deadLetterTopicOf,
  parseStreamId,
  toEnvelope,
} from '@leadledger/contracts';
import type { EventStore } from '@leadledger/eventsourcing';
import {
  DEAD_LETTER_HEADERS,
  PermanentMessageError,
  groupByStream,
  readLifecycleEvent,
  type Consumption,
  type IncomingMessage,
  type LifecycleConsumer,
  type MessageBus,
  type MessageHeaders,
} from '@leadledger/messaging';
import { timestampOf } from '@leadledger/eventstore';
import { lockSchemaSetup } from '@leadledger/projections';
import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { ReadModelDatabase } from '../read-models';

/** Every dead-letter topic a leadledger service writes to. */
export const DEAD_LETTER_TOPICS = [
  LEADS_INBOUND_TOPIC,
  LEADS_LIFECYCLE_TOPIC,
  OPPORTUNITIES_LIFECYCLE_TOPIC,
  'leadledger.relay.unroutable',
].map(deadLetterTopicOf);

export interface DeadLetter {
  readonly id: number;
  readonly topic: string;
  readonly originalTopic: string | null;
  readonly consumerGroup: string | null;
  readonly errorType: string | null;
  readonly error: string | null;
  readonly failedAt: string | null;
  /** The stored event it stands for, when it never was a message of its own (relay, store consumers). */
  readonly eventId: string | null;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: MessageHeaders;
  readonly archivedAt: string;
  readonly replays: number;
  readonly lastReplayedAt: string | null;
  readonly lastReplayError: string | null;
}

export type ReplayOutcome = 'republished' | 'handled' | 'failed';

interface DeadLetterRow {
  id: number;
  topic: string;
  key: string | null;
  value: string | null;
  headers: MessageHeaders;
  archived_at: Date | string;
  replays: number;
  last_replayed_at: Date | string | null;
  last_replay_error: string | null;
}

/**
 * Keeps every dead letter where it can be listed and replayed after a fix. On Kafka the dead-letter
 * topics are durable but nobody looks at them; on the in-process bus they live in memory and vanish.
 * This consumes all of them as its own group into `dead_letters` in the read schema (a redelivery
 * is recognized by its content and stored once).
 *
 * Replay: a dead letter of a lifecycle consumer that reads the event store (the embedded pipeline)
 * is handed to that consumer again, read afresh from the store; any other is republished, without
 * its dlq_ headers, to its original topic, where every group of that topic sees it again (they
 * are idempotent by the event ids).
 */
export class DeadLetterArchive implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('DeadLetterArchive');
  private readonly table: string;
  private readonly consumers = new Map<string, LifecycleConsumer>();
  private consumption?: Consumption;

  constructor(
    private readonly bus: MessageBus,
    private readonly readModels: ReadModelDatabase,
    private readonly store: EventStore,
    private readonly consumersReadStore: boolean,
  ) {
    this.table = `"${readModels.schema}".dead_letters`;
  }

  /** Lifecycle consumers running in this process, so their dead letters can be handed back to them. */
  register(consumer: LifecycleConsumer): void {
    this.consumers.set(consumer.name, consumer);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.readModels.sql.transaction(async (tx) => {
      // The same lock as the projection runners' set-up of this schema: they start alongside.
      await lockSchemaSetup(tx, this.readModels.schema);
      await tx.query(
        `CREATE TABLE IF NOT EXISTS ${this.table} (
           id                 bigserial   PRIMARY KEY,
           fingerprint        text        NOT NULL UNIQUE,
           topic              text        NOT NULL,
           key                text,
           value              text,
           headers            jsonb       NOT NULL,
           archived_at        timestamptz NOT NULL DEFAULT now(),
           replays            int         NOT NULL DEFAULT 0,
           last_replayed_at   timestamptz,
           last_replay_error  text
         )`,
      );
    });
    this.consumption = await this.bus.consume({
      groupId: 'dead-letter-archive',
      topics: DEAD_LETTER_TOPICS,
      handleBatch: (batch) => this.archive(batch),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumption?.stop();
  }

  async list(filter: { readonly topic?: string; readonly limit: number }): Promise<DeadLetter[]> {
    const rows = await this.readModels.sql.query<DeadLetterRow>(
      `SELECT id::int AS id, topic, key, value, headers, archived_at, replays, last_replayed_at, last_replay_error
         FROM ${this.table} WHERE ($1::text IS NULL OR topic = $1) ORDER BY id DESC LIMIT $2`,
      [filter.topic ?? null, filter.limit],
    );
    return rows.map(toDeadLetter);
  }

  async get(id: number): Promise<DeadLetter | undefined> {
    const [row] = await this.readModels.sql.query<DeadLetterRow>(
      `SELECT id::int AS id, topic, key, value, headers, archived_at, replays, last_replayed_at, last_replay_error
         FROM ${this.table} WHERE id = $1`,
      [id],
    );
    return row && toDeadLetter(row);
  }

  /** Replays one dead letter; undefined when there is none with that id. */
  async replay(id: number): Promise<{ outcome: ReplayOutcome; error?: string } | undefined> {
    const deadLetter = await this.get(id);
    if (!deadLetter) return undefined;
    let result: { outcome: ReplayOutcome; error?: string };
    try {
      result = { outcome: await this.replayOne(deadLetter) };
    } catch (error) {
      result = { outcome: 'failed', error: error instanceof Error ? error.message : String(error) };
    }
    await this.readModels.sql.query(
      `UPDATE ${this.table} SET replays = replays + 1, last_replayed_at = now(), last_replay_error = $2 WHERE id = $1`,
      [id, result.error ?? null],
    );
    this.logger.log({ deadLetter: id, outcome: result.outcome }, 'dead letter replayed');
    return result;
  }

  private async replayOne(deadLetter: DeadLetter): Promise<ReplayOutcome> {
    const consumer = deadLetter.consumerGroup ? this.consumers.get(deadLetter.consumerGroup) : undefined;
    if (this.consumersReadStore && consumer && deadLetter.eventId) {
      await this.handOver(consumer, deadLetter);
      return 'handled';
    }
    if (!deadLetter.originalTopic) throw new Error('the dead letter names no original topic');
    const headers = Object.fromEntries(
      Object.entries(deadLetter.headers).filter(([name]) => !name.startsWith('dlq_')),
    );
    await this.bus.publish([
      { topic: deadLetter.originalTopic, key: deadLetter.key ?? '', value: deadLetter.value ?? '', headers },
    ]);
    return 'republished';
  }

  private async handOver(consumer: LifecycleConsumer, deadLetter: DeadLetter): Promise<void> {
    const streamId = deadLetter.headers[DEAD_LETTER_HEADERS.streamId];
    if (!streamId || !parseStreamId(streamId)) throw new Error('the dead letter names no stream');
    const recorded = (await this.store.readStream(streamId)).find((event) => event.id === deadLetter.eventId);
    if (!recorded) throw new Error(`event ${deadLetter.eventId} is not in ${streamId}`);
    const event = readLifecycleEvent(consumer, () => toEnvelope(recorded));
    if (!event) throw new PermanentMessageError(`consumer ${consumer.name} does not take ${recorded.type}`);
    await consumer.handle(groupByStream([event]), { heartbeat: async () => undefined });
  }

  private async archive(batch: readonly IncomingMessage[]): Promise<void> {
    for (const message of batch) {
      await this.readModels.sql.query(
        `INSERT INTO ${this.table} (fingerprint, topic, key, value, headers) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (fingerprint) DO NOTHING`,
        [fingerprintOf(message), message.topic, message.key, message.value, JSON.stringify(message.headers)],
      );
    }
  }
}

/** A redelivered dead letter is the same content: topic, key, value and headers (dlq_failed_at included). */
function fingerprintOf(message: IncomingMessage): string {
  const headers = Object.keys(message.headers)
    .sort()
    .map((name) => [name, message.headers[name]]);
  return createHash('sha256')
    .update(JSON.stringify([message.topic, message.key, message.value, headers]))
    .digest('hex');
}

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  const header = (name: string) => row.headers[name] ?? null;
  return {
    id: row.id,
    topic: row.topic,
    originalTopic: header(DEAD_LETTER_HEADERS.originalTopic),
    consumerGroup: header(DEAD_LETTER_HEADERS.consumerGroup),
    errorType: header(DEAD_LETTER_HEADERS.errorType),
    error: header(DEAD_LETTER_HEADERS.error),
    failedAt: header(DEAD_LETTER_HEADERS.failedAt),
    eventId: header(DEAD_LETTER_HEADERS.eventId),
    key: row.key,
    value: row.value,
    headers: row.headers,
    archivedAt: isoOf(row.archived_at),
    replays: Number(row.replays),
    lastReplayedAt: row.last_replayed_at === null ? null : isoOf(row.last_replayed_at),
    lastReplayError: row.last_replay_error,
  };
}

function isoOf(time: Date | string): string {
  return timestampOf(time).toISOString();
}
