import { Access, AccessOwned, CurrentPrincipal, hasAnyRole, type Principal } from '@leadledger/access';
import {
  eventNameOf,
  moneyFromDecimal,
  opportunityStreamId,
  type Clock,
  type Money,
  type OpportunityEvent,
} from '@leadledger/contracts';
import { metaOf, type Decided, type EventStore } from '@leadledger/eventsourcing';
import {
  ApiErrorResponses,
  ApiIfMatchHeader,
  ApiUuidParam,
  callerCause,
  CLOCK,
  etagOf,
  EVENT_STORE,
  IfMatch,
  ManagedProjections,
  queryLimit,
  queryText,
  invalidField,
  requestBodyOf,
  uuidParam,
} from '@leadledger/platform';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { OpportunityState } from '../domain/opportunity.decider';
import { stageIndex, type ExitCriterion } from '@leadledger/contracts';
import { OpportunityMetrics } from '../opportunity-metrics';
import { OpportunityService, type OpportunityChange } from '../opportunity.service';
import { opportunitiesProjection, opportunitiesWhere } from '../projections/opportunities';
import { OPPORTUNITY_PROJECTIONS } from '../tokens';
import {
  AmountRequest,
  CloseDateRequest,
  ForecastCategoryRequest,
  LostRequest,
  OwnerRequest,
  ReopenRequest,
  StageRequest,
  WonRequest,
} from './opportunity-requests';
import {
  OPPORTUNITY_HISTORY_SCHEMA,
  OPPORTUNITY_PAGE_SCHEMA,
  OPPORTUNITY_VIEW_SCHEMA,
  PIPELINES_SCHEMA,
  toOpportunityView,
  type OpportunityView,
} from './opportunity-view';

/** The part of Express's response these routes touch. */
interface HeaderedResponse {
  setHeader(name: string, value: string): void;
}

const idParam = uuidParam();
const ApiOpportunityIdParam = () => ApiUuidParam('id', 'The opportunity id');
const MAX_PAGE = 500;
const WRITE_REFUSALS = [
  400,
  [404, 'No such opportunity (`not_found`)'],
  [409, 'Closed: reopen it first (`conflict`)'],
  412,
  [422, 'An exit criterion of a stage it would leave is unmet; `issues` name them (`unprocessable`)'],
] as const;

@ApiTags('opportunities')
@Controller()
export class OpportunitiesController {
  constructor(
    @Inject(OpportunityService) private readonly opportunities: OpportunityService,
    @Inject(OPPORTUNITY_PROJECTIONS) private readonly projections: ManagedProjections,
    @Inject(OpportunityMetrics) private readonly metrics: OpportunityMetrics,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('pipelines')
  @Access('rep', 'manager', 'analyst', 'admin')
  @ApiOperation({
    summary: 'The stage pipelines: stages in order, default probability and category, exit criteria',
  })
  @ApiResponse({ status: 200, description: 'config/pipelines.json as in force', schema: PIPELINES_SCHEMA })
  pipelines() {
    return this.opportunities.pipelines.config.pipelines.map(({ id, name, defaultCloseDays, stages }) => ({
      id,
      name,
      defaultCloseDays,
      stages: stages.map(({ id: stage, probability, forecastCategory, outcome, exitCriteria }) => ({
        id: stage,
        probability,
        forecastCategory,
        ...(outcome ? { outcome } : {}),
        exitCriteria: exitCriteria.map(documentOf),
      })),
    }));
  }

  @Get('opportunities')
  @Access('rep', 'manager', 'analyst', 'admin')
  @ApiOperation({
    summary: "Opportunities, a page at a time (by id); reps see their own, managers their team's",
  })
  @ApiQuery({ name: 'owner', required: false })
  @ApiQuery({ name: 'stage', required: false })
  @ApiQuery({ name: 'status', required: false, schema: { type: 'string', enum: ['open', 'won', 'lost'] } })
  @ApiQuery({ name: 'pipeline', required: false })
  @ApiQuery({ name: 'after', required: false, description: 'The `next` of the previous page' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE } })
  @ApiResponse({ status: 200, description: 'A page', schema: OPPORTUNITY_PAGE_SCHEMA })
  @ApiErrorResponses(400)
  async list(@CurrentPrincipal() caller: Principal, @Query() query: Record<string, unknown>) {
    const limit = queryLimit(query.limit, { max: MAX_PAGE, fallback: 100 });
    const status = queryText('status', query.status);
    if (status !== undefined && !['open', 'won', 'lost'].includes(status)) {
      throw invalidField('status', 'must be open, won or lost');
    }
    const after = queryText('after', query.after);
    if (after !== undefined && !/^[0-9a-f-]{36}$/i.test(after))
      throw invalidField('after', 'must be the `next` of a page');
    const { sql, schema } = this.projections.readModels;
    const rows = await opportunitiesWhere(sql, schema, {
      ...scopeOf(caller, queryText('owner', query.owner)),
      ...optional('stage', queryText('stage', query.stage)),
      ...optional('status', status as 'open' | 'won' | 'lost' | undefined),
      ...optional('pipeline', queryText('pipeline', query.pipeline)),
      ...optional('after', after),
      limit,
    });
    const opportunities = rows.flatMap((row) => toOpportunityView(row.state, row.revision) ?? []);
    const last = rows[rows.length - 1];
    return { opportunities, ...(rows.length === limit && last ? { next: last.id } : {}) };
  }

  @Get('opportunities/:id')
  @AccessOwned('opportunity', 'id', 'rep', 'manager', 'analyst', 'admin')
  @ApiOperation({ summary: 'The opportunity as it stands; its ETag is the revision If-Match takes back' })
  @ApiOpportunityIdParam()
  @ApiResponse({ status: 200, description: 'The opportunity', schema: OPPORTUNITY_VIEW_SCHEMA })
  @ApiErrorResponses(400, [404, 'No such opportunity (`not_found`)'])
  async get(
    @Param('id', idParam) opportunityId: string,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ): Promise<OpportunityView> {
    const { sql, schema } = this.projections.readModels;
    const row = await opportunitiesProjection.find(sql, schema, opportunityId);
    const view = row && toOpportunityView(row.state, row.revision);
    if (!row || !view) throw new NotFoundException(`opportunity ${opportunityId} does not exist`);
    response.setHeader('ETag', etagOf(row.revision));
    return view;
  }

  @Get('opportunities/:id/history')
  @AccessOwned('opportunity', 'id', 'rep', 'manager', 'analyst', 'admin')
  @ApiOperation({
    summary: 'Every change, oldest first: what, when (business and recorded time), who, and why',
  })
  @ApiOpportunityIdParam()
  @ApiResponse({ status: 200, description: 'The history', schema: OPPORTUNITY_HISTORY_SCHEMA })
  @ApiErrorResponses(400, [404, 'No such opportunity (`not_found`)'])
  async history(@Param('id', idParam) opportunityId: string) {
    const events = await this.store.readStream(opportunityStreamId(opportunityId));
    if (events.length === 0) throw new NotFoundException(`opportunity ${opportunityId} does not exist`);
    return events.map((event) => ({
      type: eventNameOf(event.type) ?? event.type,
      revision: Number(event.revision),
      occurredAt: metaOf(event).occurredAt,
      recordedAt: event.recordedAt.toISOString(),
      ...(event.metadata.actor ? { actor: event.metadata.actor } : {}),
      data: event.data,
    }));
  }

  @Post('opportunities/:id/stage')
  @HttpCode(200)
  @AccessOwned('opportunity', 'id', 'rep', 'manager', 'admin')
  @ApiOperation({
    summary: 'Move to another open stage: forward past met exit criteria only, back with a note',
  })
  @ApiOpportunityIdParam()
  @ApiIfMatchHeader()
  @ApiBody({ schema: { $ref: getSchemaPath(StageRequest) } })
  @ApiResponse({ status: 200, description: 'Moved (or already there)', schema: OPPORTUNITY_VIEW_SCHEMA })
  @ApiErrorResponses(...WRITE_REFUSALS)
  stage(
    @Param('id', idParam) id: string,
    @Body() raw: unknown,
    @CurrentPrincipal() caller: Principal,
    @IfMatch() ifMatch: bigint | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const { to, note } = requestBodyOf(StageRequest, raw);
    return this.write(
      { type: 'MoveStage', opportunityId: id, to, ...optional('note', note) },
      caller,
      ifMatch,
      response,
    );
  }

  @Post('opportunities/:id/amount')
  @HttpCode(200)
  @AccessOwned('opportunity', 'id', 'rep', 'manager', 'admin')
  @ApiOperation({ summary: 'Set the amount: a positive decimal in an ISO 4217 currency, kept exactly' })
  @ApiOpportunityIdParam()
  @ApiIfMatchHeader()
  @ApiBody({ schema: { $ref: getSchemaPath(AmountRequest) } })
  @ApiResponse({ status: 200, description: 'Changed (or the same)', schema: OPPORTUNITY_VIEW_SCHEMA })
  @ApiErrorResponses(...WRITE_REFUSALS)
  amount(
    @Param('id', idParam) id: string,
    @Body() raw: unknown,
    @CurrentPrincipal() caller: Principal,
    @IfMatch() ifMatch: bigint | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const { amount, currency } = requestBodyOf(AmountRequest, raw);
    return this.write(
      { type: 'ChangeAmount', opportunityId: id, amount: money(amount, currency) },
      caller,
      ifMatch,
      response,
    );
  }

  @Post('opportunities/:id/close-date')
  @HttpCode(200)
  @AccessOwned('opportunity', 'id', 'rep', 'manager', 'admin')
  @ApiOperation({
    summary: 'Change the expected close date: each change is its own event, so slippage is counted',
  })
  @ApiOpportunityIdParam()
  @ApiIfMatchHeader()
  @ApiBody({ schema: { $ref: getSchemaPath(CloseDateRequest) } })
  @ApiResponse({ status: 200, description: 'Changed (or the same)', schema: OPPORTUNITY_VIEW_SCHEMA })
  @ApiErrorResponses(...WRITE_REFUSALS)
  closeDate(
    @Param('id', idParam) id: string,
    @Body() raw: unknown,
    @CurrentPrincipal() caller: Principal,
    @IfMatch() ifMatch: bigint | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const { expectedCloseDate } = requestBodyOf(CloseDateRequest, raw);
    return this.write(
      { type: 'ChangeCloseDate', opportunityId: id, expectedCloseDate },
      caller,
      ifMatch,
      response,
    );
  }

  @Post('opportunities/:id/forecast-category')
  @HttpCode(200)
  @AccessOwned('opportunity', 'id', 'rep', 'manager', 'admin')
  @ApiOperation({
    summary:
      "Override the stage's forecast category (recorded as an override), or leave `category` out to clear it",
  })
  @ApiOpportunityIdParam()
  @ApiIfMatchHeader()
  @ApiBody({ schema: { $ref: getSchemaPath(ForecastCategoryRequest) } })
  @ApiResponse({ status: 200, description: 'Changed (or the same)', schema: OPPORTUNITY_VIEW_SCHEMA })
  @ApiErrorResponses(...WRITE_REFUSALS)
  forecastCategory(
    @Param('id', idParam) id: string,
    @Body() raw: unknown,
    @CurrentPrincipal() caller: Principal,
    @IfMatch() ifMatch: bigint | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const { category, note } = requestBodyOf(ForecastCategoryRequest, raw);
    return this.write(
      {
        type: 'SetForecastCategory',
        opportunityId: id,
        ...optional('category', category),
        ...optional('note', note),
      },
      caller,
      ifMatch,
      response,
    );
  }

  @Post('opportunities/:id/owner')
  @HttpCode(200)
  @AccessOwned('opportunity', 'id', 'manager', 'admin')
  @ApiOperation({ summary: 'Give the opportunity to another owner (managers and admins)' })
  @ApiOpportunityIdParam()
  @ApiIfMatchHeader()
  @ApiBody({ schema: { $ref: getSchemaPath(OwnerRequest) } })
  @ApiResponse({ status: 200, description: 'Changed (or already theirs)', schema: OPPORTUNITY_VIEW_SCHEMA })
  @ApiErrorResponses(...WRITE_REFUSALS, 403)
  owner(
    @Param('id', idParam) id: string,
    @Body() raw: unknown,
    @CurrentPrincipal() caller: Principal,
    @IfMatch() ifMatch: bigint | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const { owner, team } = requestBodyOf(OwnerRequest, raw);
    // A manager hands opportunities on within the team they manage.
    const newTeam = hasAnyRole(caller, ['admin']) ? team : caller.team;
    return this.write(
      { type: 'ChangeOwner', opportunityId: id, owner, ...optional('team', newTeam) },
      caller,
      ifMatch,
      response,
    );
  }

  @Post('opportunities/:id/won')
  @HttpCode(200)
  @AccessOwned('opportunity', 'id', 'rep', 'manager', 'admin')
  @ApiOperation({ summary: 'Close won, with what was signed (the current amount when left out)' })
  @ApiOpportunityIdParam()
  @ApiIfMatchHeader()
  @ApiBody({ schema: { $ref: getSchemaPath(WonRequest) } })
  @ApiResponse({ status: 200, description: 'Won', schema: OPPORTUNITY_VIEW_SCHEMA })
  @ApiErrorResponses(...WRITE_REFUSALS)
  won(
    @Param('id', idParam) id: string,
    @Body() raw: unknown,
    @CurrentPrincipal() caller: Principal,
    @IfMatch() ifMatch: bigint | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const { amount, currency, closedAt } = requestBodyOf(WonRequest, raw);
    if ((amount === undefined) !== (currency === undefined)) {
      throw invalidField(amount === undefined ? 'amount' : 'currency', 'amount and currency come together');
    }
    const signed = amount !== undefined && currency !== undefined ? money(amount, currency) : undefined;
    return this.write(
      { type: 'Win', opportunityId: id, ...optional('amount', signed), closedOn: closedAt },
      caller,
      ifMatch,
      response,
    );
  }

  @Post('opportunities/:id/lost')
  @HttpCode(200)
  @AccessOwned('opportunity', 'id', 'rep', 'manager', 'admin')
  @ApiOperation({ summary: 'Close lost, with the reason and, when known, the competitor who won' })
  @ApiOpportunityIdParam()
  @ApiIfMatchHeader()
  @ApiBody({ schema: { $ref: getSchemaPath(LostRequest) } })
  @ApiResponse({ status: 200, description: 'Lost', schema: OPPORTUNITY_VIEW_SCHEMA })
  @ApiErrorResponses(...WRITE_REFUSALS)
  lost(
    @Param('id', idParam) id: string,
    @Body() raw: unknown,
    @CurrentPrincipal() caller: Principal,
    @IfMatch() ifMatch: bigint | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const { reason, competitor, note, closedAt } = requestBodyOf(LostRequest, raw);
    return this.write(
      {
        type: 'Lose',
        opportunityId: id,
        reason,
        ...optional('competitor', competitor),
        ...optional('note', note),
        closedOn: closedAt ?? this.clock.now().toISOString().slice(0, 10),
      },
      caller,
      ifMatch,
      response,
    );
  }

  @Post('opportunities/:id/reopen')
  @HttpCode(200)
  @AccessOwned('opportunity', 'id', 'rep', 'manager', 'admin')
  @ApiOperation({
    summary: 'Reopen a closed opportunity, with why; in the stage it closed from unless another is named',
  })
  @ApiOpportunityIdParam()
  @ApiIfMatchHeader()
  @ApiBody({ schema: { $ref: getSchemaPath(ReopenRequest) } })
  @ApiResponse({ status: 200, description: 'Open again', schema: OPPORTUNITY_VIEW_SCHEMA })
  @ApiErrorResponses(...WRITE_REFUSALS)
  reopen(
    @Param('id', idParam) id: string,
    @Body() raw: unknown,
    @CurrentPrincipal() caller: Principal,
    @IfMatch() ifMatch: bigint | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const { note, stage } = requestBodyOf(ReopenRequest, raw);
    return this.write(
      { type: 'Reopen', opportunityId: id, note, ...optional('stage', stage) },
      caller,
      ifMatch,
      response,
    );
  }

  /** Decides the change, counts it, waits for the read models and answers with the view and its ETag. */
  private async write(
    change: OpportunityChange,
    caller: Principal,
    ifMatch: bigint | undefined,
    response: HeaderedResponse,
  ): Promise<OpportunityView> {
    const decided = await this.opportunities.change(change, callerCause(caller), ifMatch);
    this.count(decided);
    await this.projections.waitFor(decided.position);
    const view =
      decided.revision !== undefined ? toOpportunityView(decided.state, decided.revision) : undefined;
    if (!view || decided.revision === undefined)
      throw new NotFoundException(`opportunity ${change.opportunityId} does not exist`);
    response.setHeader('ETag', etagOf(decided.revision));
    return view;
  }

  private count(decided: Decided<OpportunityState, OpportunityEvent>): void {
    if (decided.alreadyHandled || decided.state.status === 'none') return;
    const pipeline = this.opportunities.pipeline(decided.state.opportunity.pipeline);
    this.metrics.record(decided.events, decided.state, (stage) => stageIndex(pipeline, stage));
  }
}

function documentOf(criterion: ExitCriterion): Record<string, string> {
  return criterion.kind === 'field'
    ? { requires: criterion.field }
    : {
        evidence: criterion.criterion,
        ...(criterion.description ? { description: criterion.description } : {}),
      };
}

/** Reps see their own; managers their team's (of an owner, when asked); analysts and admins any. */
function scopeOf(caller: Principal, owner: string | undefined): { owner?: string; team?: string } {
  if (hasAnyRole(caller, ['admin', 'analyst'])) return optional('owner', owner);
  if (caller.roles.includes('manager')) {
    if (caller.team === undefined) return { owner: caller.id };
    return { team: caller.team, ...optional('owner', owner) };
  }
  return { owner: caller.id };
}

function money(amount: string, currency: string): Money {
  const read = moneyFromDecimal(amount, currency);
  if (!read || read.amountMinor <= 0) {
    throw invalidField(
      'amount',
      `must be more than 0, with no more decimals than ${currency} has, and not too large`,
    );
  }
  return read;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
