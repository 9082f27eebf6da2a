import { Access, AccessOwned, CurrentPrincipal, hasAnyRole, type Principal } from '@leadledger/access';
import {
  ApiErrorResponses,
  ApiUuidParam,
  callerCause,
  CLOCK,
  ManagedProjections,
  queryLimit,
  queryText,
  invalidField,
  requestBodyOf,
  uuidParam,
} from '@leadledger/platform';
import { moneyFromDecimal, type Clock, type LeadEvent } from '@leadledger/contracts';
import type { Decided } from '@leadledger/eventsourcing';
import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { frameworkFor } from '../domain/qualification-frameworks';
import type { SalesLead, SalesState } from '../domain/sales-lead.decider';
import { segmentOf } from '../domain/sales-team';
import { queueOf, salesLeadsProjection } from '../projections/sales-leads';
import { SalesAcceptanceService } from '../sales-acceptance.service';
import { SalesMetrics } from '../sales-metrics';
import { SALES_ACCEPTANCE_PROJECTIONS } from '../tokens';
import {
  AvailabilityRequest,
  DisqualificationRequest,
  QualificationRequest,
  ReassignmentRequest,
  RejectionRequest,
} from './sales-requests';
import {
  REP_AVAILABILITY_SCHEMA,
  SALES_LEAD_VIEW_SCHEMA,
  SALES_QUEUE_SCHEMA,
  toSalesLeadView,
  type SalesLeadView,
} from './sales-lead-view';

const leadIdParam = uuidParam();
const ApiLeadIdParam = () => ApiUuidParam('id', 'The lead id');
const MAX_QUEUE = 500;
const REFUSALS = [
  400,
  [404, 'No such lead (`not_found`)'],
  [409, 'Not allowed from where the lead stands (`conflict`): the message names the rule'],
] as const;

@ApiTags('sales')
@Controller()
export class SalesController {
  constructor(
    @Inject(SalesAcceptanceService) private readonly sales: SalesAcceptanceService,
    @Inject(SALES_ACCEPTANCE_PROJECTIONS) private readonly projections: ManagedProjections,
    @Inject(SalesMetrics) private readonly metrics: SalesMetrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('sales/queue')
  @Access('rep', 'manager', 'admin')
  @ApiOperation({
    summary:
      "The caller's open leads (assigned, accepted, qualified), oldest assignment first, with SLA time left",
    description:
      'Managers may ask for a rep of their team (`owner`) or their whole team (`team`); admins for anyone.',
  })
  @ApiQuery({ name: 'owner', required: false, description: 'A rep id (managers and admins)' })
  @ApiQuery({ name: 'team', required: false, description: 'A team id (managers of it and admins)' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_QUEUE } })
  @ApiResponse({ status: 200, description: 'The queue', schema: SALES_QUEUE_SCHEMA })
  @ApiErrorResponses(400, 403)
  async queue(
    @CurrentPrincipal() caller: Principal,
    @Query('owner') owner?: unknown,
    @Query('team') team?: unknown,
    @Query('limit') limit?: unknown,
  ): Promise<{ leads: SalesLeadView[] }> {
    const filter = this.queueFilterFor(caller, queryText('owner', owner), queryText('team', team));
    const { sql, schema } = this.projections.readModels;
    const leads = await queueOf(sql, schema, {
      ...filter,
      limit: queryLimit(limit, { max: MAX_QUEUE, fallback: MAX_QUEUE }),
    });
    const now = this.clock.now();
    return { leads: leads.map((lead) => this.viewOf(lead, now)) };
  }

  @Get('leads/:id/sales')
  @AccessOwned('lead', 'id', 'rep', 'manager', 'admin')
  @ApiOperation({ summary: 'Where the lead stands with sales: stage, owner, SLA, qualification so far' })
  @ApiLeadIdParam()
  @ApiResponse({ status: 200, description: 'The lead', schema: SALES_LEAD_VIEW_SCHEMA })
  @ApiErrorResponses(400, [404, 'No such lead (`not_found`)'])
  async lead(@Param('id', leadIdParam) leadId: string): Promise<SalesLeadView> {
    const { sql, schema } = this.projections.readModels;
    const row = await salesLeadsProjection.find(sql, schema, leadId);
    if (row?.state.status !== 'active') throw new NotFoundException(`lead ${leadId} does not exist`);
    return this.viewOf(row.state.lead, this.clock.now());
  }

  @Post('leads/:id/accept')
  @HttpCode(200)
  @AccessOwned('lead', 'id', 'rep', 'manager', 'admin')
  @ApiOperation({ summary: 'Accept the lead: it becomes a sales-accepted lead (SQL)' })
  @ApiLeadIdParam()
  @ApiResponse({ status: 200, description: 'Accepted', schema: SALES_LEAD_VIEW_SCHEMA })
  @ApiErrorResponses(...REFUSALS)
  async accept(@Param('id', leadIdParam) leadId: string, @CurrentPrincipal() caller: Principal) {
    return this.answered(await this.sales.accept(leadId, callerCause(caller)));
  }

  @Post('leads/:id/reject')
  @HttpCode(200)
  @AccessOwned('lead', 'id', 'rep', 'manager', 'admin')
  @ApiOperation({
    summary:
      'Reject the lead with a reason: not_a_fit and duplicate disqualify it, the others recycle it to nurture',
  })
  @ApiLeadIdParam()
  @ApiBody({ schema: { $ref: getSchemaPath(RejectionRequest) } })
  @ApiResponse({ status: 200, description: 'Rejected', schema: SALES_LEAD_VIEW_SCHEMA })
  @ApiErrorResponses(...REFUSALS)
  async reject(
    @Param('id', leadIdParam) leadId: string,
    @Body() raw: unknown,
    @CurrentPrincipal() caller: Principal,
  ) {
    const { reason, note } = requestBodyOf(RejectionRequest, raw);
    return this.answered(
      await this.sales.reject(leadId, { reason, ...(note ? { note } : {}) }, callerCause(caller)),
    );
  }

  @Post('leads/:id/qualification')
  @HttpCode(200)
  @AccessOwned('lead', 'id', 'rep', 'manager', 'admin')
  @ApiOperation({
    summary: "Record one criterion of the lead's qualification framework (met needs evidence)",
    description:
      'When the framework is satisfied the lead is qualified, and converted too if config/qualification.json says `automatic`.',
  })
  @ApiLeadIdParam()
  @ApiBody({ schema: { $ref: getSchemaPath(QualificationRequest) } })
  @ApiResponse({ status: 200, description: 'Recorded (or unchanged)', schema: SALES_LEAD_VIEW_SCHEMA })
  @ApiErrorResponses(...REFUSALS, [422, 'Another framework applies to this lead (`precondition`)'])
  async qualify(
    @Param('id', leadIdParam) leadId: string,
    @Body() raw: unknown,
    @CurrentPrincipal() caller: Principal,
  ) {
    const { amount, ...request } = requestBodyOf(QualificationRequest, raw);
    const money = amount && moneyFromDecimal(amount.value, amount.currency);
    if (amount && !money) {
      throw invalidField(
        'amount.value',
        `has more decimals than ${amount.currency} has minor units, or is too large`,
      );
    }
    return this.answered(
      await this.sales.recordQualification(
        leadId,
        { ...request, ...(money ? { amount: money } : {}) },
        callerCause(caller),
      ),
    );
  }

  @Post('leads/:id/convert')
  @HttpCode(200)
  @AccessOwned('lead', 'id', 'rep', 'manager', 'admin')
  @ApiOperation({ summary: 'Convert the qualified lead into an opportunity (LeadConvertedToOpportunity)' })
  @ApiLeadIdParam()
  @ApiResponse({
    status: 200,
    description: 'Converted: the view names the opportunity',
    schema: SALES_LEAD_VIEW_SCHEMA,
  })
  @ApiErrorResponses(...REFUSALS, [
    422,
    'The framework is not satisfied; `issues` name the unmet criteria (`precondition`)',
  ])
  async convert(@Param('id', leadIdParam) leadId: string, @CurrentPrincipal() caller: Principal) {
    return this.answered(await this.sales.convert(leadId, callerCause(caller)));
  }

  @Post('leads/:id/disqualify')
  @HttpCode(200)
  @AccessOwned('lead', 'id', 'rep', 'manager', 'admin')
  @ApiOperation({
    summary: 'Rule the lead out with a reason; scoring will not make it an MQL again until recycled',
  })
  @ApiLeadIdParam()
  @ApiBody({ schema: { $ref: getSchemaPath(DisqualificationRequest) } })
  @ApiResponse({ status: 200, description: 'Disqualified', schema: SALES_LEAD_VIEW_SCHEMA })
  @ApiErrorResponses(...REFUSALS)
  async disqualify(
    @Param('id', leadIdParam) leadId: string,
    @Body() raw: unknown,
    @CurrentPrincipal() caller: Principal,
  ) {
    const { reason } = requestBodyOf(DisqualificationRequest, raw);
    return this.answered(await this.sales.disqualify(leadId, reason, callerCause(caller)));
  }

  @Post('leads/:id/reassign')
  @HttpCode(200)
  @AccessOwned('lead', 'id', 'manager', 'admin')
  @ApiOperation({
    summary:
      'Give the lead to another rep (managers: within their team); a lead awaiting its answer gets a fresh SLA',
  })
  @ApiLeadIdParam()
  @ApiBody({ schema: { $ref: getSchemaPath(ReassignmentRequest) } })
  @ApiResponse({ status: 200, description: 'Reassigned (or already theirs)', schema: SALES_LEAD_VIEW_SCHEMA })
  @ApiErrorResponses(...REFUSALS, 403)
  async reassign(
    @Param('id', leadIdParam) leadId: string,
    @Body() raw: unknown,
    @CurrentPrincipal() caller: Principal,
  ) {
    const { owner, note } = requestBodyOf(ReassignmentRequest, raw);
    this.mustManage(caller, this.sales.teamOfRep(owner).id, `reassign to ${owner}`);
    return this.answered(await this.sales.reassign(leadId, owner, note, callerCause(caller)));
  }

  @Get('sales/reps')
  @Access('manager', 'admin')
  @ApiOperation({ summary: "The team's reps and whether assignment picks them now (managers: their team)" })
  @ApiQuery({ name: 'team', required: false, description: 'A team id; admins see every team by default' })
  @ApiResponse({
    status: 200,
    description: 'The roster',
    schema: { type: 'array', items: REP_AVAILABILITY_SCHEMA },
  })
  @ApiErrorResponses(400, 403)
  async reps(@CurrentPrincipal() caller: Principal, @Query('team') team?: unknown) {
    const asked = queryText('team', team) ?? (hasAnyRole(caller, ['admin']) ? undefined : caller.team);
    if (asked === undefined && !hasAnyRole(caller, ['admin'])) {
      throw new ForbiddenException('a manager without a team sees no roster');
    }
    if (asked !== undefined) this.mustManage(caller, asked, `see team ${asked}`);
    return this.sales.roster(asked);
  }

  @Put('sales/reps/:rep/availability')
  @Access('manager', 'admin')
  @ApiOperation({
    summary: 'Mark a rep away (optionally until a time) or back: assignment skips reps who are away',
  })
  @ApiBody({ schema: { $ref: getSchemaPath(AvailabilityRequest) } })
  @ApiResponse({
    status: 200,
    description: 'The rep as assignment sees them now',
    schema: REP_AVAILABILITY_SCHEMA,
  })
  @ApiErrorResponses(400, 403)
  async setAvailability(
    @Param('rep') rep: string,
    @Body() raw: unknown,
    @CurrentPrincipal() caller: Principal,
  ) {
    const { available, until, note } = requestBodyOf(AvailabilityRequest, raw);
    this.mustManage(caller, this.sales.teamOfRep(rep).id, `change the availability of ${rep}`);
    await this.sales.setAvailability(
      { rep, available, ...(until && !available ? { until } : {}), ...(note ? { note } : {}) },
      callerCause(caller),
    );
    const [view] = (await this.sales.roster(this.sales.teamOfRep(rep).id)).filter((each) => each.rep === rep);
    return view;
  }

  /** The view after a command, once the read models (queue, ownership) include it; metrics counted once. */
  private async answered(decided: Decided<SalesState, LeadEvent>): Promise<SalesLeadView> {
    if (!decided.alreadyHandled) this.metrics.record(decided.events, decided.state, this.clock.now());
    await this.projections.waitFor(decided.position);
    if (decided.state.status !== 'active') throw new NotFoundException('the lead is gone');
    return this.viewOf(decided.state.lead, this.clock.now());
  }

  private viewOf(lead: SalesLead, now: Date): SalesLeadView {
    const { team, qualification } = this.sales.config;
    return toSalesLeadView(lead, frameworkFor(qualification, segmentOf(team, lead.companySize)), now);
  }

  /** Reps see their own queue; managers their team's reps or the whole team; admins anyone's. */
  private queueFilterFor(
    caller: Principal,
    owner?: string,
    team?: string,
  ): { owner?: string; team?: string } {
    if (hasAnyRole(caller, ['admin'])) return owner || team ? { owner, team } : { owner: caller.id };
    if (owner === undefined && team === undefined) return { owner: caller.id };
    if (!caller.roles.includes('manager')) {
      if (owner === caller.id && team === undefined) return { owner };
      throw new ForbiddenException('a rep sees their own queue only: leave out owner and team');
    }
    if (owner !== undefined && owner !== caller.id)
      this.mustManage(caller, this.sales.teamOfRep(owner).id, `see ${owner}'s queue`);
    if (team !== undefined) this.mustManage(caller, team, `see team ${team}'s queue`);
    return { ...(owner ? { owner } : {}), ...(team ? { team } : {}) };
  }

  private mustManage(caller: Principal, team: string, what: string): void {
    if (hasAnyRole(caller, ['admin'])) return;
    if (caller.roles.includes('manager') && caller.team === team) return;
    throw new ForbiddenException(`only admins and managers of team ${team} may ${what}`);
  }
}
