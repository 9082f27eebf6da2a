import { setImmediate } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { currentCorrelationId } from '@leadledger/observability';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Logger,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { Access, AccessOwned, actorOf, CurrentPrincipal, type Principal } from '@leadledger/access';
import { asBulkWork, DomainError } from '@leadledger/eventsourcing';
import {
  ApiErrorResponses,
  ApiUuidParam,
  ManagedProjections,
  errorTypeOf,
  uuidParam,
} from '@leadledger/platform';
import {
  causationIdOf,
  fingerprintOf,
  IdempotencyKeyInUseError,
  IdempotencyKeyReusedError,
  type IdempotentRequest,
} from '../idempotency/idempotency-keys';
import { LeadCaptureService, type IntakeContext } from '../lead-capture.service';
import { BATCH_CONCURRENCY, inIdentityChains } from '../identity-chains';
import { LEAD_CAPTURE_PROJECTIONS } from '../tokens';
import type { LeadView } from '../projections/lead-view';
import { EngagementRequest, LeadBatchRequest, LeadSubmissionRequest, MAX_BATCH_SIZE } from './lead-requests';
import { readRequest } from './read-request';
import { invalidRequest } from './request-validation';
import { ApiIdempotencyKeyHeader, IdempotencyKey } from './request-headers';
import {
  BATCH_ANSWER_SCHEMA,
  ENGAGEMENT_ANSWER_SCHEMA,
  LEAD_EVENTS_SCHEMA,
  LEAD_VIEW_SCHEMA,
  SUBMISSION_ANSWER_SCHEMA,
} from './response-schemas';

const ROUTES = {
  submit: 'POST /leads',
  batch: 'POST /leads:batch',
  engagement: 'POST /leads/{id}/engagements',
} as const;

type BatchItemResult =
  | { index: number; status: 'accepted'; leadId: string; outcome: string }
  | { index: number; status: 'rejected'; issues: { field: string; reason: string }[] }
  | {
      index: number;
      status: 'failed';
      error: 'idempotency_key_reused' | 'idempotency_key_in_use' | 'internal';
    };

const leadIdParam = uuidParam();

const ApiLeadIdParam = () => ApiUuidParam('id', 'The lead id');

const BODY_LIMIT = 'Bodies are JSON (application/json) of at most 4 MB.';

@ApiTags('leads')
@Controller()
export class LeadsController {
  private readonly logger = new Logger(LeadsController.name);

  constructor(
    @Inject(LeadCaptureService) private readonly leads: LeadCaptureService,
    @Inject(LEAD_CAPTURE_PROJECTIONS) private readonly projections: ManagedProjections,
  ) {}

  @Post('leads')
  @HttpCode(202)
  @Access('ingest', 'admin')
  @ApiOperation({
    summary: 'Submit one lead: captured when new, updated or recognized as a duplicate when known',
    description: BODY_LIMIT,
  })
  @ApiBody({ schema: { $ref: getSchemaPath(LeadSubmissionRequest) } })
  @ApiIdempotencyKeyHeader(
    'A retry with the same key and body answers as the first call did; the key with another body is a 422',
  )
  @ApiResponse({
    status: 202,
    description: 'Captured, updated or unchanged',
    schema: SUBMISSION_ANSWER_SCHEMA,
  })
  @ApiErrorResponses(400, 409, 413, 415, 422)
  async submit(
    @Body() raw: unknown,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: string,
  ) {
    const parsed = bodyOf(LeadSubmissionRequest, raw);
    const { occurredAt, ...submission } = parsed;
    const { position, ...answer } = await this.leads.submit(
      submission,
      intake({ route: ROUTES.submit, idempotencyKey, fingerprinted: parsed, caller, occurredAt }),
    );
    await this.projections.waitFor(position);
    return answer;
  }

  // `:` introduces a route parameter; escaped, it is the literal of the Google-style custom method.
  @Post('leads\\:batch')
  @HttpCode(200)
  @Access('ingest', 'admin')
  @ApiOperation({
    summary: `Submit up to ${MAX_BATCH_SIZE} leads; each is accepted, rejected or failed on its own`,
    description: `${BODY_LIMIT} Item i is submitted under the key \`<Idempotency-Key>#i\`, bound to that item's own body.`,
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['leads'],
      properties: {
        leads: {
          type: 'array',
          items: { $ref: getSchemaPath(LeadSubmissionRequest) },
          minItems: 1,
          maxItems: MAX_BATCH_SIZE,
        },
      },
    },
  })
  @ApiIdempotencyKeyHeader('Item i of a retried batch answers as item i did')
  @ApiResponse({ status: 200, description: 'One result per lead, in order', schema: BATCH_ANSWER_SCHEMA })
  @ApiErrorResponses(400, 413, 415)
  async submitBatch(
    @Body() raw: unknown,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: string,
  ): Promise<{ results: BatchItemResult[] }> {
    const items = batchItemsOf(raw);
    const results = new Array<BatchItemResult>(items.length);
    const valid: Array<{ index: number; request: LeadSubmissionRequest; keys: readonly string[] }> = [];
    for (const [index, item] of items.entries()) {
      // A batch is seconds of work on the one thread PGlite also runs on: let health checks, metrics
      // and single requests in between its items rather than after it.
      if (index > 0) await setImmediate();
      const read = readRequest(LeadSubmissionRequest, item);
      if (read.ok) {
        const { occurredAt: _, ...submission } = read.value;
        valid.push({ index, request: read.value, keys: this.leads.identityKeysOfSubmission(submission) });
      } else {
        results[index] = {
          index,
          status: 'rejected',
          issues: read.issues.map(({ path, reason }) => ({ field: path, reason })),
        };
      }
    }
    // Items that share a person run in order and see each other; the others side by side, so that
    // their appends share the store's commits.
    const submitted = await asBulkWork(() =>
      inIdentityChains(
        valid,
        (item) => item.keys,
        BATCH_CONCURRENCY,
        async ({ index, request }) => {
          const { occurredAt, ...submission } = request;
          const context = intake({
            route: ROUTES.batch,
            idempotencyKey: idempotencyKey === undefined ? undefined : `${idempotencyKey}#${index}`,
            fingerprinted: request,
            caller,
            occurredAt,
          });
          return this.leads.submit(submission, context);
        },
      ),
    );
    let lastPosition: bigint | undefined;
    submitted.forEach((outcome, i) => {
      const { index } = valid[i];
      if (outcome.status === 'rejected') {
        results[index] = this.failedItem(index, outcome.reason);
        return;
      }
      const { leadId, outcome: captured, position } = outcome.value;
      results[index] = { index, status: 'accepted', leadId, outcome: captured };
      if (position !== undefined && (lastPosition === undefined || position > lastPosition))
        lastPosition = position;
    });
    await this.projections.waitFor(lastPosition);
    return { results };
  }

  @Post('leads/:id/engagements')
  @HttpCode(202)
  @Access('ingest', 'admin')
  @ApiOperation({
    summary: 'Record an activity of a known lead (page view, download, webinar, demo request...)',
    description: BODY_LIMIT,
  })
  @ApiLeadIdParam()
  @ApiBody({ schema: { $ref: getSchemaPath(EngagementRequest) } })
  @ApiIdempotencyKeyHeader(
    'A retry with the same key and body answers as the first call did; the key with another body is a 422',
  )
  @ApiResponse({ status: 202, description: 'Recorded, or a duplicate', schema: ENGAGEMENT_ANSWER_SCHEMA })
  @ApiErrorResponses(400, [404, 'No such lead (`not_found`)'], 409, 413, 415, 422)
  async recordEngagement(
    @Param('id', leadIdParam) leadId: string,
    @Body() raw: unknown,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey?: string,
  ) {
    const parsed = bodyOf(EngagementRequest, raw);
    const { occurredAt, ...engagement } = parsed;
    const { position, ...answer } = await this.leads.recordEngagement(
      leadId,
      engagement,
      intake({
        route: ROUTES.engagement,
        idempotencyKey,
        fingerprinted: { leadId, ...parsed },
        caller,
        occurredAt,
      }),
    );
    await this.projections.waitFor(position);
    return answer;
  }

  @Get('leads/:id')
  @AccessOwned('lead', 'id', 'rep', 'manager', 'admin')
  @ApiOperation({
    summary: "The lead's current state and lifecycle stage, from the lead views read model",
  })
  @ApiLeadIdParam()
  @ApiResponse({ status: 200, description: 'The lead', schema: LEAD_VIEW_SCHEMA })
  @ApiErrorResponses(400, [404, 'No such lead (`not_found`)'])
  async get(@Param('id', leadIdParam) leadId: string): Promise<LeadView> {
    const lead = await this.leads.getLead(leadId);
    if (!lead) throw new NotFoundException(`lead ${leadId} does not exist`);
    return lead;
  }

  @Get('leads/:id/events')
  @AccessOwned('lead', 'id', 'rep', 'manager', 'admin')
  @ApiOperation({ summary: "The lead's event stream, oldest first" })
  @ApiLeadIdParam()
  @ApiResponse({ status: 200, description: "The lead's events", schema: LEAD_EVENTS_SCHEMA })
  @ApiErrorResponses(400, [404, 'No such lead (`not_found`)'])
  async events(@Param('id', leadIdParam) leadId: string) {
    const events = await this.leads.getLeadEvents(leadId);
    if (!events) throw new NotFoundException(`lead ${leadId} does not exist`);
    return events;
  }

  /** An item that could not be processed answers for itself; the batch goes on. */
  private failedItem(index: number, error: unknown): BatchItemResult {
    if (error instanceof IdempotencyKeyReusedError || error instanceof IdempotencyKeyInUseError) {
      return { index, status: 'failed', error: error.code };
    }
    if (error instanceof DomainError) {
      return {
        index,
        status: 'rejected',
        issues: error.issues.length > 0 ? [...error.issues] : [{ field: '(item)', reason: error.message }],
      };
    }
    // The type only: a message may quote the item, and no personal data goes into logs.
    this.logger.error({ index, errorType: errorTypeOf(error) }, 'batch item failed');
    return { index, status: 'failed', error: 'internal' };
  }
}

/**
 * The batch's items, once the envelope is right (an object with 1 to 1,000 `leads`). The envelope is
 * validated with its items stood in for, so that an item with a reserved field name or a NUL is
 * refused on its own below, not with the whole batch.
 */
function batchItemsOf(raw: unknown): readonly unknown[] {
  const leads = typeof raw === 'object' && raw !== null ? (raw as { leads?: unknown }).leads : undefined;
  const envelope = Array.isArray(leads) ? { ...(raw as object), leads: leads.map(() => ({})) } : raw;
  bodyOf(LeadBatchRequest, envelope);
  return leads as unknown[];
}

function bodyOf<T extends object>(rules: new () => T, raw: unknown): T {
  const read = readRequest(rules, raw);
  if (!read.ok) throw invalidRequest(read.issues);
  return read.value;
}

/**
 * The request as the service sees it. The actor is the authenticated caller, never what the request
 * says. Under an Idempotency-Key, the causation derives from the key within the caller's scope and
 * the route, and the key is bound to the fingerprint of the parsed request: two callers' keys never meet.
 */
function intake(request: {
  route: string;
  idempotencyKey: string | undefined;
  fingerprinted: unknown;
  caller: Principal;
  occurredAt: string | undefined;
}): IntakeContext {
  const { route, idempotencyKey, fingerprinted, caller, occurredAt } = request;
  const idempotency: IdempotentRequest | undefined =
    idempotencyKey === undefined
      ? undefined
      : { scope: caller.id, route, key: idempotencyKey, fingerprint: fingerprintOf(fingerprinted) };
  return {
    actor: actorOf(caller),
    correlationId: currentCorrelationId() ?? randomUUID(),
    causationId: idempotency ? causationIdOf(idempotency) : randomUUID(),
    ...(idempotency ? { idempotency } : {}),
    ...(occurredAt ? { occurredAt } : {}),
  };
}
