import { KAFKA_HEADERS, LEADS_INBOUND_TOPIC, isActor, type Actor } from '@leadledger/contracts';
import { InvalidConfigurationError, SERVICE_ENVIRONMENT } from '@leadledger/platform';
import { DomainError, deriveId, valuesOrFirstFailure } from '@leadledger/eventsourcing';
import {
  MessageBusExceptionFilter,
  PermanentMessageError,
  type IncomingMessage,
} from '@leadledger/messaging';
import { runWithCorrelation } from '@leadledger/observability';
import { Controller, Inject, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { LeadSubmissionRequest } from '../http/lead-requests';
import {
  IdempotencyKeyInUseError,
  IdempotencyKeyReusedError,
  fingerprintOf,
} from '../idempotency/idempotency-keys';
import { LeadCaptureService, type IntakeContext } from '../lead-capture.service';
import { BATCH_CONCURRENCY, inIdentityChains } from '../identity-chains';
import type { LeadSubmission } from '../domain/lead-submission';
import { readRequest } from '../http/read-request';
import { CLAIMED_ACTOR } from '../http/request-headers';

/**
 * LEADS_INBOUND_PRODUCER: who publishes on the inbound topic. The broker authenticates producers,
 * not leadledger, so the operator says who that is; every event an inbound message causes records it
 * as the actor. What a message says of itself (`ce_actor`) is kept beside it, as claimed.
 */
const DEFAULT_PRODUCER: Actor = 'integration:kafka';
const PRODUCER = /^integration:[A-Za-z0-9._@+-]{1,200}$/;

export function inboundProducerOf(env: NodeJS.ProcessEnv): Actor {
  const configured = env.LEADS_INBOUND_PRODUCER?.trim() || DEFAULT_PRODUCER;
  if (!PRODUCER.test(configured)) {
    throw new InvalidConfigurationError(
      'LEADS_INBOUND_PRODUCER',
      `must be integration:<name> (1 to 200 of A-Z a-z 0-9 . _ @ + -), got "${configured}"`,
    );
  }
  return configured as Actor;
}

/**
 * Raw submissions other systems publish on `leadledger.leads.inbound`: a JSON body exactly as
 * POST /leads takes it. CloudEvents headers are optional here; `ce_id` (else topic, partition and
 * offset) makes a redelivered message change nothing, and is bound to the message's body like an
 * Idempotency-Key: another body under a used `ce_id` is dead-lettered, never merged into the first
 * message's lead. A message that can never be accepted goes to
 * the dead-letter topic with its reasons; one that fails for a passing reason is retried.
 */
@Controller()
@UseFilters(MessageBusExceptionFilter)
export class LeadIntakeController {
  private readonly producer: Actor;

  constructor(
    @Inject(LeadCaptureService) private readonly leads: LeadCaptureService,
    @Inject(SERVICE_ENVIRONMENT) env: NodeJS.ProcessEnv,
  ) {
    this.producer = inboundProducerOf(env);
  }

  // Its own group even inside the pipeline: what lead-capture cannot take is dead-lettered for it alone.
  @EventPattern(LEADS_INBOUND_TOPIC, { consumerGroup: 'lead-capture' })
  async handle(@Payload() batch: IncomingMessage[]): Promise<void> {
    // Messages about one person in the partition's order, the others side by side (their appends
    // share the store's commits). A message that fails fails the batch once the rest are done; the
    // batch is then delivered message by message, and what was done already is a no-op again.
    const settled = await inIdentityChains(
      batch.map((message) => this.prepare(message)),
      (prepared) => (prepared.ok ? this.leads.identityKeysOfSubmission(prepared.submission) : []),
      BATCH_CONCURRENCY,
      (prepared) => {
        if (!prepared.ok) return Promise.reject(prepared.error);
        const { context, submission } = prepared;
        return runWithCorrelation(context.correlationId, () => this.submit(submission, context));
      },
    );
    valuesOrFirstFailure(settled);
  }

  /** The message as a submission and its intake context, or why it can never be one. */
  private prepare(message: IncomingMessage): PreparedMessage {
    try {
      const context = intakeContextOf(message, this.producer);
      const read = readRequest(LeadSubmissionRequest, parseBody(message));
      if (!read.ok) {
        throw new PermanentMessageError(
          read.issues.map(({ path, reason }) => `${path || '(body)'}: ${reason}`).join('; '),
        );
      }
      const { occurredAt, ...submission } = read.value;
      const idempotency = {
        scope: '',
        route: `kafka ${message.topic}`,
        key: messageIdOf(message),
        fingerprint: fingerprintOf(read.value),
      };
      return {
        ok: true,
        submission,
        context: { ...context, idempotency, ...(occurredAt ? { occurredAt } : {}) },
      };
    } catch (error) {
      return { ok: false, error };
    }
  }

  private async submit(submission: LeadSubmission, context: IntakeContext): Promise<void> {
    try {
      await this.leads.submit(submission, context);
    } catch (error) {
      // Another consumer is handling the same message (a rebalance): it will finish; try again later.
      if (error instanceof IdempotencyKeyInUseError) throw error;
      if (error instanceof IdempotencyKeyReusedError) {
        throw new PermanentMessageError(
          `message id ${context.idempotency?.key} was used before for another body`,
        );
      }
      if (error instanceof DomainError) throw new PermanentMessageError(error.message);
      throw error;
    }
  }
}

type PreparedMessage =
  | { readonly ok: true; readonly submission: LeadSubmission; readonly context: IntakeContext }
  | { readonly ok: false; readonly error: unknown };

function parseBody(message: IncomingMessage): unknown {
  if (!message.value) throw new PermanentMessageError('(body): message has no value');
  try {
    return JSON.parse(message.value);
  } catch (error) {
    throw new PermanentMessageError(`(body): not JSON: ${(error as Error).message}`);
  }
}

function messageIdOf(message: IncomingMessage): string {
  return message.headers[KAFKA_HEADERS.id] || `${message.topic}/${message.partition}/${message.offset}`;
}

/**
 * The actor is the topic's producer. A well-formed user or integration `ce_actor` is recorded as
 * claimed; `system:` is leadledger's own services' (the relay, scoring): a message claiming it is
 * refused, as is a claim no pattern allows.
 */
function intakeContextOf(message: IncomingMessage, producer: Actor): IntakeContext {
  const causationId = deriveId('inbound-message', messageIdOf(message));
  const actor = message.headers[KAFKA_HEADERS.actor];
  if (actor !== undefined && !(CLAIMED_ACTOR.test(actor) && isActor(actor))) {
    throw new PermanentMessageError(
      `ce_actor: must be user:<id> or integration:<id> (1 to 200 of A-Z a-z 0-9 . _ @ + -); system: is reserved`,
    );
  }
  return {
    actor: producer,
    ...(actor !== undefined ? { claimedActor: actor } : {}),
    correlationId: message.headers[KAFKA_HEADERS.correlationid] || causationId,
    causationId,
  };
}
