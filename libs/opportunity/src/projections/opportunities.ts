import { eventNamesIn, eventTypeOf, type OpportunityEvent } from '@leadledger/contracts';
import type { SqlExecutor } from '@leadledger/eventstore';
import {
  streamStateProjection,
  type StreamStateProjection,
  type StreamStateRow,
} from '@leadledger/projections';
import { opportunityDecider, type OpportunityState } from '../domain/opportunity.decider';

const TABLE = 'opportunities';
const FIELD = (name: string) => `(state->'opportunity'->>'${name}')`;
const STATUS = `(state->>'status')`;

const folded = streamStateProjection<OpportunityState, OpportunityEvent>({
  name: 'opportunity.opportunities',
  table: TABLE,
  category: 'opportunity',
  eventTypes: eventNamesIn('opportunity').map(eventTypeOf),
  initialState: opportunityDecider.initialState,
  evolve: opportunityDecider.evolve,
});

/**
 * Each opportunity as it stands, folded by the decider's own evolve: GET /opportunities (filtered
 * by owner, team, stage, status and pipeline), the ETag of GET /opportunities/{id}, ownership for
 * the access guard, and the open pipeline gauge.
 */
export const opportunitiesProjection: StreamStateProjection<OpportunityState> = {
  ...folded,
  async init(tx) {
    await folded.init?.(tx);
    await tx.query(
      `CREATE INDEX IF NOT EXISTS opportunities_owner ON ${TABLE} (${FIELD('owner')}, ${STATUS})`,
    );
    await tx.query(`CREATE INDEX IF NOT EXISTS opportunities_team ON ${TABLE} (${FIELD('team')}, ${STATUS})`);
    await tx.query(
      `CREATE INDEX IF NOT EXISTS opportunities_stage ON ${TABLE} (${FIELD('pipeline')}, ${FIELD('stage')})`,
    );
  },
};

export interface OpportunityFilter {
  readonly owner?: string;
  readonly team?: string;
  readonly stage?: string;
  readonly status?: 'open' | 'won' | 'lost';
  readonly pipeline?: string;
  /** The last id of the previous page. */
  readonly after?: string;
  readonly limit: number;
}

/** A page of opportunities, by id: stable under concurrent writes, and resumable from the last id. */
export async function opportunitiesWhere(
  db: SqlExecutor,
  schema: string,
  filter: OpportunityFilter,
): Promise<StreamStateRow<OpportunityState>[]> {
  const rows = await db.query<{
    id: string;
    revision: string;
    updated_at: Date | string;
    state: OpportunityState;
  }>(
    `SELECT id::text AS id, revision::text AS revision, updated_at, state FROM "${schema}".${TABLE}
      WHERE ($1::text IS NULL OR ${FIELD('owner')} = $1)
        AND ($2::text IS NULL OR ${FIELD('team')} = $2)
        AND ($3::text IS NULL OR ${FIELD('stage')} = $3)
        AND ($4::text IS NULL OR ${STATUS} = $4)
        AND ($5::text IS NULL OR ${FIELD('pipeline')} = $5)
        AND ($6::uuid IS NULL OR id > $6::uuid)
      ORDER BY id
      LIMIT $7`,
    [
      filter.owner ?? null,
      filter.team ?? null,
      filter.stage ?? null,
      filter.status ?? null,
      filter.pipeline ?? null,
      filter.after ?? null,
      filter.limit,
    ],
  );
  return rows.map((row) => ({
    id: row.id,
    revision: BigInt(row.revision),
    updatedAt: row.updated_at instanceof Date ? row.updated_at : new Date(row.updated_at),
    state: row.state,
  }));
}

export interface OpenAmount {
  readonly currency: string;
  readonly pipeline: string;
  readonly stage: string;
  /** Minor units, summed exactly by the database. */
  readonly amountMinor: number;
}

/** The open pipeline's amount per currency, pipeline and stage: the gauge sales leadership watches. */
export async function openAmounts(db: SqlExecutor, schema: string): Promise<OpenAmount[]> {
  const rows = await db.query<{ currency: string; pipeline: string; stage: string; amount_minor: string }>(
    `SELECT state->'opportunity'->'amount'->>'currency' AS currency, ${FIELD('pipeline')} AS pipeline,
            ${FIELD('stage')} AS stage, sum((state->'opportunity'->'amount'->>'amountMinor')::numeric)::text AS amount_minor
       FROM "${schema}".${TABLE}
      WHERE ${STATUS} = 'open' AND state->'opportunity'->'amount' IS NOT NULL
      GROUP BY 1, 2, 3`,
  );
  return rows.map((row) => ({
    currency: row.currency,
    pipeline: row.pipeline,
    stage: row.stage,
    amountMinor: Number(row.amount_minor),
  }));
}
