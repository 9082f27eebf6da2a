import { eventNamesIn, eventTypeOf, type OpportunityEvent } from '@leadledger/contracts';
import { timestampOf, type SqlExecutor } from '@leadledger/eventstore';
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

const ERASED_LEADS = 'opportunity_erased_leads';
const LEAD_ERASED = eventTypeOf('LeadErased');
const OPENED = eventTypeOf('OpportunityOpened');
const WITHOUT_NAMES = `state = jsonb_set(state #- '{opportunity,account}', '{opportunity,name}', to_jsonb($1::text))`;

/** What an erased lead's opportunities are called from then on: their name was the lead's company. */
export const ERASED_NAME = '(erased)';

/**
 * Each opportunity as it stands, folded by the decider's own evolve: GET /opportunities (filtered
 * by owner, team, stage, status and pipeline), the ETag of GET /opportunities/{id}, ownership for
 * the access guard, and the open pipeline gauge.
 *
 * It also follows `LeadErased` from the lead streams: the opportunity's name and account came from
 * the lead's company, so they go with it, also for an opportunity opened after the erasure (the
 * erased leads are remembered for that). The events themselves still hold them.
 */
export const opportunitiesProjection: StreamStateProjection<OpportunityState> = {
  ...folded,
  version: 2,
  eventTypes: [...folded.eventTypes, LEAD_ERASED],
  async truncate(tx) {
    await folded.truncate(tx);
    await tx.query(`DROP TABLE IF EXISTS ${ERASED_LEADS}`);
  },
  async handle(events, tx) {
    await folded.handle(events, tx);
    const erased = events.flatMap((event) =>
      event.type === LEAD_ERASED ? [(event.data as { leadId: string }).leadId] : [],
    );
    const opened = events.flatMap((event) =>
      event.type === OPENED ? [(event.data as { opportunityId: string }).opportunityId] : [],
    );
    if (erased.length > 0) {
      await tx.query(
        `INSERT INTO ${ERASED_LEADS} (lead_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING`,
        [erased],
      );
      await tx.query(
        `UPDATE ${TABLE} SET ${WITHOUT_NAMES} WHERE state->'opportunity'->>'leadId' = ANY($2::text[])`,
        [ERASED_NAME, erased],
      );
    }
    if (opened.length > 0) {
      await tx.query(
        `UPDATE ${TABLE} SET ${WITHOUT_NAMES}
          WHERE id = ANY($2::uuid[])
            AND state->'opportunity'->>'leadId' IN (SELECT lead_id::text FROM ${ERASED_LEADS})`,
        [ERASED_NAME, opened],
      );
    }
  },
  async init(tx) {
    await folded.init?.(tx);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${ERASED_LEADS} (lead_id uuid PRIMARY KEY)`);
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
    updatedAt: timestampOf(row.updated_at),
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
