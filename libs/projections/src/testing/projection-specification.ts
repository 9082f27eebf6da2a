import { afterAll, expect } from '@jest/globals';
import { EVENT_CATALOG, resolveEventName, streamIdOf, type DomainEvent } from '@leadledger/contracts';
import type { EventMetadata, RecordedEvent } from '@leadledger/eventsourcing';
import { PgliteDriver, type SqlExecutor } from '@leadledger/eventstore';
import type { Projection } from '../lib/projection';
import { inSchema } from '../lib/read-schema';

/**
 * An event of the history: a domain event (`{ type: 'LeadCaptured', data }`, its versioned type
 * works too), optionally with the stream, metadata, id or record time the store would have given it.
 */
export interface GivenEvent {
  readonly type: string;
  readonly data: unknown;
  readonly streamId?: string;
  readonly metadata?: EventMetadata;
  readonly id?: string;
  readonly recordedAt?: Date;
}

const FIRST_RECORDED_AT = Date.parse('2026-01-01T00:00:00.000Z');

/** A readable, valid id for the n-th given event. */
export const givenEventId = (n: number): string =>
  `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;

/**
 * Numbers given events as the store would: positions 1, 2, ... in the order given, revisions per
 * stream from 0, a record time one second after the previous, `occurredAt` equal to it unless given,
 * and the stream from the payload's lead or opportunity id.
 */
export function recordedEvents(given: readonly GivenEvent[]): RecordedEvent[] {
  const revisions = new Map<string, bigint>();
  return given.map((event, index) => {
    const name = resolveEventName(event.type);
    const type = name ? EVENT_CATALOG[name].type : event.type;
    const streamId =
      event.streamId ?? (name ? streamIdOf({ type: name, data: event.data } as DomainEvent) : 'test-stream');
    const revision = revisions.get(streamId) ?? 0n;
    revisions.set(streamId, revision + 1n);
    const recordedAt = event.recordedAt ?? new Date(FIRST_RECORDED_AT + index * 1_000);
    return {
      id: event.id ?? givenEventId(index + 1),
      streamId,
      revision,
      position: BigInt(index + 1),
      type,
      data: event.data,
      metadata: { occurredAt: recordedAt.toISOString(), ...event.metadata },
      recordedAt,
    };
  });
}

let sharedDatabase: Promise<PgliteDriver> | undefined;
let schemas = 0;

/** One in-memory PGlite per test file (opening one takes seconds); each spec gets a schema of its own. */
function specDatabase(): Promise<PgliteDriver> {
  sharedDatabase ??= PgliteDriver.open();
  return sharedDatabase;
}

// Registered when a spec file imports this module, so no spec has to remember it.
afterAll(async () => {
  const opened = sharedDatabase;
  sharedDatabase = undefined;
  await (await opened)?.close();
});

/**
 * Given events, (when nothing: a projection only reacts), then rows: the one way projections are
 * specified here.
 *
 * ```ts
 * await ProjectionSpecification.for(leadSources)
 *   .given({ type: 'LeadCaptured', data: captured })
 *   .thenRows('SELECT lead_id, source FROM lead_sources ORDER BY lead_id', [{ lead_id: leadId, source: 'web_form' }]);
 * ```
 *
 * Runs on an in-memory PGlite with the runner's conventions (the projection's schema first on the
 * search_path, so queries name tables unqualified), and delivers the events as the store would: only
 * the types the projection handles. It applies them twice, all in one batch and then (after
 * `truncate` and `init`) one event per batch, and expects the same rows both ways: a projection must
 * not depend on where the runner cuts its batches.
 */
export class ProjectionSpecification {
  private constructor(
    private readonly projection: Projection,
    private readonly history: readonly GivenEvent[],
  ) {}

  static for(projection: Projection): ProjectionSpecification {
    return new ProjectionSpecification(projection, []);
  }

  given(...events: readonly GivenEvent[]): ProjectionSpecification {
    return new ProjectionSpecification(this.projection, [...this.history, ...events]);
  }

  /** `sql` should ORDER BY, so the comparison does not depend on how PostgreSQL happens to return rows. */
  async thenRows(sql: string, expected: readonly object[], params: readonly unknown[] = []): Promise<void> {
    const { oneBatch, oneEventPerBatch } = await this.project(sql, params);
    expect({ oneBatch, oneEventPerBatch }).toEqual({ oneBatch: expected, oneEventPerBatch: expected });
  }

  /** The rows of `sql` after the history, for assertions of one's own. */
  async rows<Row = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const { oneBatch, oneEventPerBatch } = await this.project(sql, params);
    expect(oneEventPerBatch).toEqual(oneBatch);
    return oneBatch as Row[];
  }

  private async project(
    sql: string,
    params: readonly unknown[],
  ): Promise<{ oneBatch: unknown[]; oneEventPerBatch: unknown[] }> {
    const db = await specDatabase();
    const schema = `projection_spec_${++schemas}`;
    const handled = new Set(this.projection.eventTypes);
    const events = recordedEvents(this.history).filter((event) => handled.has(event.type));
    const read = (tx: SqlExecutor) => tx.query(sql, [...params]);
    await db.query(`CREATE SCHEMA "${schema}"`);
    try {
      const oneBatch = await inSchema(db, schema, async (tx) => {
        await this.projection.init(tx);
        await this.projection.init(tx); // at every start: must be idempotent
        if (events.length > 0) await this.projection.handle(events, tx);
        return read(tx);
      });
      await inSchema(db, schema, async (tx) => {
        await this.projection.truncate(tx);
        await this.projection.init(tx);
      });
      for (const event of events) await inSchema(db, schema, (tx) => this.projection.handle([event], tx));
      const oneEventPerBatch = await inSchema(db, schema, read);
      return { oneBatch, oneEventPerBatch };
    } finally {
      await db.query(`DROP SCHEMA "${schema}" CASCADE`);
    }
  }
}
