import { describe, expect, it } from '@jest/globals';
import { eventTypeOf, type LeadCapturedData } from '@leadledger/contracts';
import { ProjectionSpecification, recordedEvents } from '../testing';
import { groupByStream, projectionOf, type Projection } from './projection';

const leadA = '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
const leadB = '7a1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f';

const captured = (leadId: string, source: LeadCapturedData['source']) => ({
  type: 'LeadCaptured',
  data: { leadId, source, contact: { email: `${source}@example.com` } },
});
const erased = (leadId: string) => ({ type: 'LeadErased', data: { leadId, reason: 'gdpr request' } });

/** Event by event, written with projectionOf. */
const leadSources = projectionOf({
  name: 'lead-sources',
  tables: [
    `CREATE TABLE IF NOT EXISTS lead_sources (lead_id uuid PRIMARY KEY, source text NOT NULL, erased boolean NOT NULL DEFAULT false)`,
  ],
  truncates: ['lead_sources'],
  on: {
    LeadCaptured: async (data, _event, tx) => {
      await tx.query('INSERT INTO lead_sources (lead_id, source) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        data.leadId,
        data.source,
      ]);
    },
    LeadErased: async (data, _event, tx) => {
      await tx.query('UPDATE lead_sources SET erased = true WHERE lead_id = $1', [data.leadId]);
    },
  },
});

/** Per stream and batch: one upsert per stream whatever the number of its events in the batch. */
const eventsPerStream: Projection = {
  name: 'events-per-stream',
  eventTypes: [eventTypeOf('LeadCaptured'), eventTypeOf('LeadErased')],
  init: async (tx) => {
    await tx.query(
      'CREATE TABLE IF NOT EXISTS events_per_stream (stream_id text PRIMARY KEY, events int NOT NULL, last_revision bigint NOT NULL)',
    );
  },
  truncate: async (tx) => {
    await tx.query('DROP TABLE events_per_stream');
  },
  async handle(events, tx) {
    for (const [streamId, streamEvents] of groupByStream(events)) {
      await tx.query(
        `INSERT INTO events_per_stream VALUES ($1, $2, $3)
         ON CONFLICT (stream_id) DO UPDATE SET events = events_per_stream.events + EXCLUDED.events, last_revision = EXCLUDED.last_revision`,
        [streamId, streamEvents.length, streamEvents[streamEvents.length - 1].revision.toString()],
      );
    }
  },
};

describe('projectionOf', () => {
  it('handles exactly the event types it has handlers for, by their versioned type', () => {
    expect(leadSources.eventTypes).toEqual([eventTypeOf('LeadCaptured'), eventTypeOf('LeadErased')]);
    expect(leadSources.version).toBeUndefined();
  });

  it('keeps rows per event, whatever the batches', async () => {
    await ProjectionSpecification.for(leadSources)
      .given(captured(leadA, 'web_form'), captured(leadB, 'referral'), erased(leadA))
      .thenRows('SELECT lead_id::text, source, erased FROM lead_sources ORDER BY lead_id', [
        { lead_id: leadA, source: 'web_form', erased: true },
        { lead_id: leadB, source: 'referral', erased: false },
      ]);
  });

  it('starts empty when nothing happened', async () => {
    await ProjectionSpecification.for(leadSources).thenRows('SELECT * FROM lead_sources', []);
  });
});

describe('a hand-written projection grouping by stream', () => {
  it('folds each stream of a batch into one row', async () => {
    await ProjectionSpecification.for(eventsPerStream)
      .given(captured(leadA, 'web_form'), captured(leadB, 'event'), erased(leadA))
      .thenRows('SELECT stream_id, events, last_revision::int FROM events_per_stream ORDER BY stream_id', [
        { stream_id: `lead-${leadA}`, events: 2, last_revision: 1 },
        { stream_id: `lead-${leadB}`, events: 1, last_revision: 0 },
      ]);
  });

  it('never sees the types it does not handle, as with the store', async () => {
    const rows = await ProjectionSpecification.for(eventsPerStream)
      .given({ type: 'leadledger.lead.teleported.v1', data: { leadId: leadA }, streamId: `lead-${leadA}` })
      .rows('SELECT * FROM events_per_stream');
    expect(rows).toEqual([]);
  });
});

describe('recordedEvents', () => {
  it('numbers positions in order and revisions per stream, from the payload’s stream', () => {
    const events = recordedEvents([captured(leadA, 'web_form'), captured(leadB, 'event'), erased(leadA)]);
    expect(events.map((e) => [e.streamId, e.revision, e.position, e.type])).toEqual([
      [`lead-${leadA}`, 0n, 1n, 'leadledger.lead.captured.v1'],
      [`lead-${leadB}`, 0n, 2n, 'leadledger.lead.captured.v1'],
      [`lead-${leadA}`, 1n, 3n, 'leadledger.lead.erased.v1'],
    ]);
    expect(events[2].metadata.occurredAt).toBe('2026-01-01T00:00:02.000Z');
  });
});

describe('ProjectionSpecification', () => {
  it('fails a projection that depends on where batches are cut', async () => {
    const batchCounter: Projection = {
      ...eventsPerStream,
      name: 'batch-counter',
      init: async (tx) => {
        await tx.query('CREATE TABLE IF NOT EXISTS batches (n int)');
      },
      truncate: async (tx) => {
        await tx.query('TRUNCATE batches');
      },
      handle: async (_events, tx) => {
        await tx.query('INSERT INTO batches VALUES (1)');
      },
    };
    await expect(
      ProjectionSpecification.for(batchCounter)
        .given(captured(leadA, 'web_form'), erased(leadA))
        .thenRows('SELECT count(*)::int AS n FROM batches', [{ n: 1 }]),
    ).rejects.toThrow(/oneEventPerBatch/);
  });
});
