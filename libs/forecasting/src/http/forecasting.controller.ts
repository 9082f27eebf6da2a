import { Access, CurrentPrincipal, type Principal } from '@leadledger/access';
import type { Clock } from '@leadledger/contracts';
import { ApiErrorResponses, CLOCK, ManagedProjections, queryText, invalidField } from '@leadledger/platform';
import { Controller, Get, Headers, HttpCode, Inject, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import {
  CYCLE_TIME_GROUPINGS,
  FUNNEL_GROUPINGS,
  WIN_RATE_GROUPINGS,
  type CycleTimeGrouping,
  type FunnelGrouping,
  type WinRateGrouping,
} from '../domain/analytics';
import { FORECAST_GROUPINGS, type ForecastGrouping } from '../domain/forecast';
import { parsePeriod, type Period } from '../domain/periods';
import { ForecastingService, type ProbabilitySource } from '../forecasting.service';
import { FORECASTING_PROJECTIONS } from '../tokens';
import { csvOf } from './csv';
import {
  ACCURACY_SCHEMA,
  CYCLE_TIME_SCHEMA,
  FORECAST_SCHEMA,
  FUNNEL_SCHEMA,
  HANDOFF_SCHEMA,
  LOSS_REASONS_SCHEMA,
  PIPELINE_CHANGES_SCHEMA,
  PIPELINE_SCHEMA,
  SLIPPAGE_SCHEMA,
  SNAPSHOTS_SCHEMA,
  STAGE_PROBABILITIES_SCHEMA,
  WIN_RATE_SCHEMA,
} from './forecasting-views';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** The part of Express's response these routes touch. */
interface HeaderedResponse {
  setHeader(name: string, value: string): void;
}

const READERS = ['analyst', 'manager', 'admin'] as const;
const answers = (schema: SchemaObject) => ({
  status: 200,
  description: 'JSON, or its rows as CSV when asked with `Accept: text/csv`',
  schema,
});

/**
 * The forecast and the analytics, for analysts, managers and admins. Every route answers CSV when the
 * caller asks for it with `Accept: text/csv` (its rows: the list the JSON answer is mostly about).
 */
@ApiTags('forecasting')
@Controller()
export class ForecastingController {
  constructor(
    @Inject(ForecastingService) private readonly forecasting: ForecastingService,
    @Inject(FORECASTING_PROJECTIONS) private readonly projections: ManagedProjections,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('forecast')
  @Access(...READERS)
  @ApiOperation({
    summary: 'Revenue forecast of a period per currency: closed won, commit, best case, pipeline, weighted',
  })
  @ApiQuery({ name: 'period', description: '`2026-Q4`, `2026-11` or `2026`' })
  @ApiQuery({ name: 'groupBy', required: false, schema: { type: 'string', enum: [...FORECAST_GROUPINGS] } })
  @ApiQuery({
    name: 'probabilities',
    required: false,
    schema: { type: 'string', enum: ['configured', 'calibrated'] },
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse(answers(FORECAST_SCHEMA))
  @ApiErrorResponses(400)
  async forecast(
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const period = periodParam(query.period);
    const groupBy = choice('groupBy', query.groupBy, FORECAST_GROUPINGS) as ForecastGrouping | undefined;
    const probabilities = (choice('probabilities', query.probabilities, [
      'configured',
      'calibrated',
    ] as const) ?? 'configured') as ProbabilitySource;
    const forecast = await this.forecasting.forecast(period, { groupBy, probabilities });
    const body = { period: period.label, from: period.from, until: period.until, probabilities, ...forecast };
    return answer(accept, response, body, () =>
      forecast.currencies.flatMap(({ currency, total, groups }) => [
        { period: period.label, currency, group: 'total', ...total },
        ...(groups ?? []).map(({ key, ...figures }) => ({
          period: period.label,
          currency,
          group: key,
          ...figures,
        })),
      ]),
    );
  }

  @Post('forecast/snapshots')
  @HttpCode(201)
  @Access('manager', 'admin')
  @ApiOperation({
    summary:
      "Takes a snapshot of this quarter's and this month's forecast now (backtested by /forecast/accuracy)",
  })
  @ApiResponse({ status: 201, description: 'The snapshots taken', schema: SNAPSHOTS_SCHEMA })
  async snapshot(@CurrentPrincipal() _caller: Principal) {
    const taken = await this.forecasting.takeSnapshot('on_demand', randomUUID());
    await this.projections.waitFor(taken.position);
    return { snapshots: taken.snapshots };
  }

  @Get('forecast/accuracy')
  @Access(...READERS)
  @ApiOperation({ summary: 'Each snapshot of a period beside what was actually won in it' })
  @ApiQuery({ name: 'period', description: '`2026-Q4`, `2026-11` or `2026`' })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse(answers(ACCURACY_SCHEMA))
  @ApiErrorResponses(400)
  async accuracy(
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const accuracy = await this.forecasting.accuracy(periodParam(query.period));
    return answer(accept, response, accuracy, () =>
      accuracy.snapshots.map((row) => ({ period: accuracy.period, ...row })),
    );
  }

  @Get('pipeline')
  @Access(...READERS)
  @ApiOperation({ summary: 'The open pipeline as it stood at an instant (now when absent)' })
  @ApiQuery({ name: 'asOf', required: false, description: 'An ISO 8601 instant or date' })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse(answers(PIPELINE_SCHEMA))
  @ApiErrorResponses(400)
  async pipeline(
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const asOf = instantParam('asOf', query.asOf) ?? this.clock.now();
    const pipeline = await this.forecasting.pipelineAsOf(asOf);
    return answer(accept, response, { asOf: asOf.toISOString(), ...pipeline }, () => pipeline.opportunities);
  }

  @Get('pipeline/changes')
  @Access(...READERS)
  @ApiOperation({
    summary: 'What entered, advanced, moved back, slipped, changed amount, won and lost between two instants',
  })
  @ApiQuery({ name: 'from', description: 'An ISO 8601 instant or date' })
  @ApiQuery({ name: 'to', required: false, description: 'An ISO 8601 instant or date; now when absent' })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse(answers(PIPELINE_CHANGES_SCHEMA))
  @ApiErrorResponses(400)
  async pipelineChanges(
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const { from, to } = rangeParams(query, this.clock.now(), { fromRequired: true });
    const changes = await this.forecasting.pipelineChanges(from, to);
    return answer(accept, response, { from: from.toISOString(), to: to.toISOString(), ...changes }, () =>
      changes.changes.map(({ opportunityId, kinds, before, after }) => ({
        opportunityId,
        kinds: kinds.join(' '),
        before,
        after,
      })),
    );
  }

  @Get('funnel')
  @Access(...READERS)
  @ApiOperation({
    summary:
      'Leads captured in [from, to): how many reached MQL, SQL, opportunity and won, and each conversion',
  })
  @ApiQuery({
    name: 'from',
    required: false,
    description: 'An ISO 8601 instant or date; the first event when absent',
  })
  @ApiQuery({ name: 'to', required: false, description: 'An ISO 8601 instant or date; now when absent' })
  @ApiQuery({ name: 'groupBy', required: false, schema: { type: 'string', enum: [...FUNNEL_GROUPINGS] } })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse(answers(FUNNEL_SCHEMA))
  @ApiErrorResponses(400)
  async funnel(
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const { from, to } = rangeParams(query, this.clock.now(), { fromRequired: false });
    const groupBy = choice('groupBy', query.groupBy, FUNNEL_GROUPINGS) as FunnelGrouping | undefined;
    const funnel = await this.forecasting.funnel(from, to, groupBy);
    return answer(accept, response, { from: from.toISOString(), to: to.toISOString(), ...funnel }, () => [
      funnel.total,
      ...(funnel.groups ?? []),
    ]);
  }

  @Get('analytics/cycle-time')
  @Access(...READERS)
  @ApiOperation({ summary: 'Median and p90 days per stage, and from opening to won' })
  @ApiQuery({ name: 'groupBy', required: false, schema: { type: 'string', enum: [...CYCLE_TIME_GROUPINGS] } })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse(answers(CYCLE_TIME_SCHEMA))
  @ApiErrorResponses(400)
  async cycleTime(
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const groupBy = (choice('groupBy', query.groupBy, CYCLE_TIME_GROUPINGS) ?? 'stage') as CycleTimeGrouping;
    const rows = await this.forecasting.cycleTimes(groupBy);
    return answer(accept, response, { groupBy, rows }, () => rows);
  }

  @Get('analytics/win-rate')
  @Access(...READERS)
  @ApiOperation({ summary: 'won / (won + lost), with the counts' })
  @ApiQuery({ name: 'groupBy', required: false, schema: { type: 'string', enum: [...WIN_RATE_GROUPINGS] } })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse(answers(WIN_RATE_SCHEMA))
  @ApiErrorResponses(400)
  async winRate(
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const groupBy = choice('groupBy', query.groupBy, WIN_RATE_GROUPINGS) as WinRateGrouping | undefined;
    const rates = await this.forecasting.winRates(groupBy);
    return answer(accept, response, rates, () => [
      { key: 'total', winRate: rates.total },
      ...(rates.groups ?? []),
    ]);
  }

  @Get('analytics/loss-reasons')
  @Access(...READERS)
  @ApiOperation({ summary: 'Lost opportunities per reason, with amounts and competitors' })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse(answers(LOSS_REASONS_SCHEMA))
  async lossReasons(
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const reasons = await this.forecasting.lossReasons();
    return answer(accept, response, reasons, () => reasons.reasons);
  }

  @Get('analytics/slippage')
  @Access(...READERS)
  @ApiOperation({ summary: 'Close-date pushes per opportunity and days slipped; open ones past their date' })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse(answers(SLIPPAGE_SCHEMA))
  async slippage(
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const slippage = await this.forecasting.slippage();
    return answer(accept, response, slippage, () => slippage.mostPushed);
  }

  @Get('analytics/handoff')
  @Access(...READERS)
  @ApiOperation({
    summary: 'Time MQLs waited for a rep vs the time the rep took, and SLA breaches, per team',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse(answers(HANDOFF_SCHEMA))
  async handoff(
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const handoff = await this.forecasting.handoff();
    return answer(accept, response, handoff, () => [{ team: 'total', ...handoff.total }, ...handoff.teams]);
  }

  @Get('analytics/stage-probabilities')
  @Access(...READERS)
  @ApiOperation({
    summary:
      'Per stage, the share of opportunities through it that were won, beside the configured probability',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse(answers(STAGE_PROBABILITIES_SCHEMA))
  async stageProbabilities(
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) response: HeaderedResponse,
  ) {
    const stages = await this.forecasting.stageProbabilities();
    return answer(accept, response, { stages }, () => stages as unknown as Record<string, unknown>[]);
  }
}

/** JSON, or the rows as CSV when the caller prefers `text/csv`. */
function answer(
  accept: string | undefined,
  response: HeaderedResponse,
  body: object,
  rows: () => readonly object[],
): object | string {
  if (!prefersCsv(accept)) return body;
  response.setHeader('Content-Type', 'text/csv; charset=utf-8');
  return csvOf(rows() as Record<string, unknown>[]);
}

function prefersCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const csv = accept.indexOf('text/csv');
  const json = accept.indexOf('application/json');
  return csv >= 0 && (json < 0 || csv < json);
}

function periodParam(value: unknown): Period {
  const text = queryText('period', value);
  if (text === undefined)
    throw invalidField('period', 'is required: a quarter (2026-Q4), a month (2026-11) or a year (2026)');
  const period = parsePeriod(text);
  if (!period)
    throw invalidField('period', 'must be a quarter (2026-Q4), a month (2026-11) or a year (2026)');
  return period;
}

function choice<T extends string>(name: string, value: unknown, allowed: readonly T[]): T | undefined {
  const text = queryText(name, value);
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text))
    throw invalidField(name, `must be one of ${allowed.join(', ')}`);
  return text as T;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** An ISO 8601 instant with its offset, or a date (its UTC midnight). */
function instantParam(name: string, value: unknown): Date | undefined {
  const text = queryText(name, value);
  if (text === undefined) return undefined;
  const instant = INSTANT.test(text) ? new Date(text.length === 10 ? `${text}T00:00:00Z` : text) : undefined;
  if (!instant || Number.isNaN(instant.getTime())) {
    throw invalidField(
      name,
      'must be an ISO 8601 date (2026-11-01) or instant with offset (2026-11-01T09:00:00Z)',
    );
  }
  return instant;
}

function rangeParams(query: Record<string, unknown>, now: Date, { fromRequired }: { fromRequired: boolean }) {
  const from = instantParam('from', query.from);
  if (!from && fromRequired) throw invalidField('from', 'is required');
  const to = instantParam('to', query.to) ?? now;
  const start = from ?? new Date(0);
  if (start.getTime() > to.getTime()) throw invalidField('to', 'must not be before from');
  return { from: start, to };
}
