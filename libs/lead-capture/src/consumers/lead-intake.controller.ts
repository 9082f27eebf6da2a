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
import { LeadCaptureService, type IntakeContext } from '../lead-capture.service';
import { readRequest } from '../http/read-request';

const DEFAULT_ACTOR: Actor = 'integration:kafka';

/**
 * Raw submissions other systems publish on `leadledger.leads.inbound`: a JSON body exactly as
 * POST /leads takes it. CloudEvents headers are optional here; `ce_id` (else topic, partition and
 * offset) makes a redelivered message change nothing. A message that can never be accepted goes to
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
    try {
      await this.leads.submit(submission, occurredAt ? { ...context, occurredAt } : context);
    } catch (error) {
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

function intakeContextOf(message: IncomingMessage): IntakeContext {
  const messageId =
    message.headers[KAFKA_HEADERS.id] || `${message.topic}/${message.partition}/${message.offset}`;
  const causationId = deriveId('inbound-message', messageId);
  const actor = message.headers[KAFKA_HEADERS.actor];
  return {
    actor: isActor(actor) ? actor : DEFAULT_ACTOR,
    correlationId: message.headers[KAFKA_HEADERS.correlationid] || causationId,
    causationId,
  };
}
