import { eventNamesIn, eventTypeOf, type LeadEvent } from '@leadledger/contracts';
import type { SqlExecutor } from '@leadledger/eventstore';
import { streamStateProjection, type StreamStateProjection } from '@leadledger/projections';
import {
  salesLeadDecider,
  type SalesLead,
  type SalesStage,
  type SalesState,
} from '../domain/sales-lead.decider';

const TABLE = 'sales_leads';
const OWNER = `(state->'lead'->'assignment'->>'owner')`;
const TEAM = `(state->'lead'->'assignment'->>'team')`;
const STAGE = `(state->'lead'->>'stage')`;

const folded = streamStateProjection<SalesState, LeadEvent>({
  name: 'sales-acceptance.sales-leads',
  table: TABLE,
  category: 'lead',
  eventTypes: eventNamesIn('lead').map(eventTypeOf),
  initialState: salesLeadDecider.initialState,
  evolve: salesLeadDecider.evolve,
});

/**
 * Each lead as sales-acceptance folds it, by the decider's own evolve: the queues, the ownership
 * the access guard checks, and GET /leads/{id}/sales. Indexed by owner and team, which every
 * queue filters on.
 */
export const salesLeadsProjection: StreamStateProjection<SalesState> = {
  ...folded,
  async init(tx) {
    await folded.init?.(tx);
    await tx.query(`CREATE INDEX IF NOT EXISTS sales_leads_owner ON ${TABLE} (${OWNER}, ${STAGE})`);
    await tx.query(`CREATE INDEX IF NOT EXISTS sales_leads_team ON ${TABLE} (${TEAM}, ${STAGE})`);
  },
};

/** The stages a rep still has work on: awaiting the answer, accepted, qualified. */
export const OPEN_STAGES: readonly SalesStage[] = ['assigned', 'sql', 'qualified'];

export interface QueueFilter {
  readonly owner?: string;
  readonly team?: string;
  readonly limit: number;
}

/** Open leads of an owner or a team, oldest assignment first. */
export async function queueOf(db: SqlExecutor, schema: string, filter: QueueFilter): Promise<SalesLead[]> {
  const rows = await db.query<{ state: SalesState }>(
    `SELECT state FROM "${schema}".${TABLE}
      WHERE ($1::text IS NULL OR ${OWNER} = $1) AND ($2::text IS NULL OR ${TEAM} = $2)
        AND ${STAGE} = ANY($3::text[])
      ORDER BY (state->'lead'->'assignment'->>'assignedAt')::timestamptz, id
      LIMIT $4`,
    [filter.owner ?? null, filter.team ?? null, OPEN_STAGES, filter.limit],
  );
  return rows.flatMap(({ state }) => (state.status === 'active' ? [state.lead] : []));
}

/** Leads awaiting their owner's answer, per team: the queue size gauge. */
export async function awaitingAnswerByTeam(db: SqlExecutor, schema: string): Promise<Map<string, number>> {
  const rows = await db.query<{ team: string; leads: string }>(
    `SELECT ${TEAM} AS team, count(*)::text AS leads FROM "${schema}".${TABLE}
      WHERE ${STAGE} = 'assigned' GROUP BY 1`,
  );
  return new Map(rows.map(({ team, leads }) => [team, Number(leads)]));
}
