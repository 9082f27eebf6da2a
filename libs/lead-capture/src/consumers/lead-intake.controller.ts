import { KAFKA_HEADERS, LEADS_INBOUND_TOPIC, isActor, type Actor } from '@leadledger/contracts';
import { DomainError, deriveId } from '@leadledger/eventsourcing';
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
import { readRequest } from '../http/read-request';
import { CLAIMED_ACTOR } from '../http/request-headers';

const DEFAULT_ACTOR: Actor = 'integration:kafka';

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
  constructor(@Inject(LeadCaptureService) private readonly leads: LeadCaptureService) {}

  // Its own group even inside the pipeline: what lead-capture cannot take is dead-lettered for it alone.
  @EventPattern(LEADS_INBOUND_TOPIC, { consumerGroup: 'lead-capture' })
  async handle(@Payload() batch: IncomingMessage[]): Promise<void> {
    for (const message of batch) {
      const context = intakeContextOf(message);
      await runWithCorrelation(context.correlationId, () => this.submit(message, context));
    }
  }

  private async submit(message: IncomingMessage, context: IntakeContext): Promise<void> {
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
    try {
      await this.leads.submit(submission, { ...context, idempotency, ...(occurredAt ? { occurredAt } : {}) });
    } catch (error) {
      // Another consumer is handling the same message (a rebalance): it will finish; try again later.
      if (error instanceof IdempotencyKeyInUseError) throw error;
      if (error instanceof IdempotencyKeyReusedError) {
        throw new PermanentMessageError(`message id ${idempotency.key} was used before for another body`);
      }
      if (error instanceof DomainError) throw new PermanentMessageError(error.message);
      throw error;
    }
  }
}

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
 * The publishing system names who submits (`ce_actor`); the broker authenticated the producer, so a
 * well-formed user or integration actor is recorded as it is. `system:` is leadledger's own services'
 * (the relay, scoring): a message claiming it is refused, as is an actor no pattern allows.
 */
function intakeContextOf(message: IncomingMessage): IntakeContext {
  const causationId = deriveId('inbound-message', messageIdOf(message));
  const actor = message.headers[KAFKA_HEADERS.actor];
  if (actor !== undefined && !(CLAIMED_ACTOR.test(actor) && isActor(actor))) {
    throw new PermanentMessageError(
      `ce_actor: must be user:<id> or integration:<id> (1 to 200 of A-Z a-z 0-9 . _ @ + -); system: is reserved`,
    );
  }
  return {
    actor: actor ?? DEFAULT_ACTOR,
    correlationId: message.headers[KAFKA_HEADERS.correlationid] || causationId,
    causationId,
  };
}
