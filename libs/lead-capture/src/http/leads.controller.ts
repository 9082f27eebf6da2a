import { randomUUID } from 'node:crypto';
import { isActor, type Actor } from '@leadledger/contracts';
import { currentCorrelationId } from '@leadledger/observability';
import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { DomainError, deriveId } from '@leadledger/eventsourcing';
import { ManagedProjections } from '@leadledger/platform';
import { LeadCaptureService, type IntakeContext } from '../lead-capture.service';
import { LEAD_CAPTURE_PROJECTIONS } from '../tokens';
import type { LeadEventView, LeadView } from '../projections/lead-view';
import { EngagementRequest, LeadBatchRequest, LeadSubmissionRequest } from './lead-requests';
import { readRequest } from './read-request';
import { invalidRequest } from './request-validation';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
const DEFAULT_ACTOR: Actor = 'integration:http-api';

type BatchItemResult =
  | { index: number; status: 'accepted'; leadId: string; outcome: string }
  | { index: number; status: 'rejected'; issues: { field: string; reason: string }[] };

const uuidParam = new ParseUUIDPipe({
  exceptionFactory: () => invalidRequest([{ path: 'id', reason: 'must be a UUID' }]),
});

@ApiTags('leads')
@Controller()
export class LeadsController {
  constructor(
    @Inject(LeadCaptureService) private readonly leads: LeadCaptureService,
    @Inject(LEAD_CAPTURE_PROJECTIONS) private readonly projections: ManagedProjections,
  ) {}

  @Post('leads')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Submit one lead: captured when new, updated or recognized as a duplicate when known',
  })
  @ApiBody({ schema: { $ref: getSchemaPath(LeadSubmissionRequest) } })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'A retry with the same key answers as the first call did',
  })
  @ApiHeader({
    name: 'X-Actor',
    required: false,
    description: 'Who submits: user:<id>, system:<id> or integration:<id>',
  })
  @ApiResponse({ status: 202, description: '{ leadId, outcome: captured | updated | unchanged, replayed }' })
  @ApiResponse({ status: 400, description: 'Each bad field and why' })
  async submit(
    @Body() raw: unknown,
    @Headers('idempotency-key') idempotencyKey?: string,
    @Headers('x-actor') actor?: string,
  ) {
    const { occurredAt, ...submission } = bodyOf(LeadSubmissionRequest, raw);
    const { position, ...answer } = await this.leads.submit(
      submission,
      intake({ idempotencyKey, actor, occurredAt }),
    );
    await this.projections.waitFor(position);
    return answer;
  }

  // `:` introduces a route parameter; escaped, it is the literal of the Google-style custom method.
  @Post('leads\\:batch')
  @HttpCode(200)
  @ApiOperation({ summary: `Submit up to 1,000 leads; each is accepted or rejected with its own reasons` })
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        leads: { type: 'array', items: { $ref: getSchemaPath(LeadSubmissionRequest) }, maxItems: 1000 },
      },
    },
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Item i of a retried batch answers as item i did',
  })
  async submitBatch(
    @Body() raw: unknown,
    @Headers('idempotency-key') idempotencyKey?: string,
    @Headers('x-actor') actor?: string,
  ): Promise<{ results: BatchItemResult[] }> {
    const body = bodyOf(LeadBatchRequest, raw);
    const batchKey = idempotencyKey ?? randomUUID();
    const results: BatchItemResult[] = [];
    let lastPosition: bigint | undefined;
    // One after another: items of a batch often share a company or a person, and must see each other.
    for (const [index, item] of body.leads.entries()) {
      const read = readRequest(LeadSubmissionRequest, item);
      if (!read.ok) {
        results.push({
          index,
          status: 'rejected',
          issues: read.issues.map(({ path, reason }) => ({ field: path, reason })),
        });
        continue;
      }
      const { occurredAt, ...submission } = read.value;
      const context = intake({ idempotencyKey: `${batchKey}#${index}`, actor, occurredAt });
      try {
        const { leadId, outcome, position } = await this.leads.submit(submission, context);
        results.push({ index, status: 'accepted', leadId, outcome });
        if (position !== undefined) lastPosition = position;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        results.push({ index, status: 'rejected', issues: [{ field: '(item)', reason: error.message }] });
      }
    }
    await this.projections.waitFor(lastPosition);
    return { results };
  }

  @Post('leads/:id/engagements')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Record an activity of a known lead (page view, download, webinar, demo request...)',
  })
  @ApiBody({ schema: { $ref: getSchemaPath(EngagementRequest) } })
  @ApiResponse({ status: 202, description: '{ leadId, outcome: recorded | duplicate, replayed }' })
  @ApiResponse({ status: 404, description: 'No such lead' })
  async recordEngagement(
    @Param('id', uuidParam) leadId: string,
    @Body() raw: unknown,
    @Headers('idempotency-key') idempotencyKey?: string,
    @Headers('x-actor') actor?: string,
  ) {
    const { occurredAt, ...engagement } = bodyOf(EngagementRequest, raw);
    const { position, ...answer } = await this.leads.recordEngagement(
      leadId,
      engagement,
      intake({ idempotencyKey, actor, occurredAt }),
    );
    await this.projections.waitFor(position);
    return answer;
  }

  @Get('leads/:id')
  @ApiOperation({
    summary: "The lead's current state and lifecycle stage, from the lead views read model",
  })
  async get(@Param('id', uuidParam) leadId: string): Promise<LeadView> {
    const lead = await this.leads.getLead(leadId);
    if (!lead) throw new NotFoundException(`lead ${leadId} does not exist`);
    return lead;
  }

  @Get('leads/:id/events')
  @ApiOperation({ summary: "The lead's event stream, oldest first" })
  async events(@Param('id', uuidParam) leadId: string): Promise<LeadEventView[]> {
    const events = await this.leads.getLeadEvents(leadId);
    if (!events) throw new NotFoundException(`lead ${leadId} does not exist`);
    return events;
  }
}

function bodyOf<T extends object>(rules: new () => T, raw: unknown): T {
  const read = readRequest(rules, raw);
  if (!read.ok) throw invalidRequest(read.issues);
  return read.value;
}

/** The request as the service sees it; a retried request with the same Idempotency-Key gets the same causation. */
function intake(request: { idempotencyKey?: string; actor?: string; occurredAt?: string }): IntakeContext {
  const { idempotencyKey, actor, occurredAt } = request;
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw invalidRequest([{ path: 'Idempotency-Key', reason: 'must be 1 to 200 visible ASCII characters' }]);
  }
  if (actor !== undefined && !isActor(actor)) {
    throw invalidRequest([{ path: 'X-Actor', reason: 'must be user:<id>, system:<id> or integration:<id>' }]);
  }
  return {
    actor: (actor as Actor | undefined) ?? DEFAULT_ACTOR,
    correlationId: currentCorrelationId() ?? randomUUID(),
    causationId: idempotencyKey ? deriveId('http-request', idempotencyKey) : randomUUID(),
    ...(occurredAt ? { occurredAt } : {}),
  };
}
