import {
  InvalidEnvelopeError,
  LEADS_LIFECYCLE_TOPIC,
  eventTypeOf,
  fromKafkaHeaders,
  parseStreamId,
  type EventEnvelope,
} from '@leadledger/contracts';
import {
  MessageBusExceptionFilter,
  PermanentMessageError,
  type IncomingMessage,
} from '@leadledger/messaging';
import { runWithCorrelation } from '@leadledger/observability';
import { Controller, Inject, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { MarketingScoringService } from '../marketing-scoring.service';
import { ScoringMetrics } from '../scoring-metrics';
import { sourceOf } from '../projections/score-view';

/** The lifecycle events that can change a score; scoring's own events and later stages cannot. */
const RESCORED_ON = new Set<string>([
  eventTypeOf('LeadCaptured'),
  eventTypeOf('LeadDetailsUpdated'),
  eventTypeOf('LeadEngagementRecorded'),
  eventTypeOf('LeadRecycled'),
]);

@Controller()
@UseFilters(MessageBusExceptionFilter)
export class LifecycleScoringController {
  constructor(
    @Inject(MarketingScoringService) private readonly scoring: MarketingScoringService,
    @Inject(ScoringMetrics) private readonly metrics: ScoringMetrics,
  ) {}

  /**
   * A score is a function of the whole stream, so a batch rescores each lead once, caused by its
   * latest event there: a burst of engagements writes one LeadScored, not one per engagement. A
   * redelivered event finds its rescore recorded, and the stream it reads counts every event once.
   */
  @EventPattern(LEADS_LIFECYCLE_TOPIC)
  async handle(@Payload() batch: IncomingMessage[]): Promise<void> {
    const latestPerLead = new Map<string, EventEnvelope>();
    for (const message of batch) {
      const envelope = envelopeOf(message);
      if (!RESCORED_ON.has(envelope.type)) continue;
      const stream = parseStreamId(envelope.subject);
      if (stream?.category !== 'lead')
        throw new PermanentMessageError(`ce_subject "${envelope.subject}" is not a lead stream`);
      latestPerLead.set(stream.id, envelope);
    }
    for (const [leadId, envelope] of latestPerLead) {
      await runWithCorrelation(envelope.correlationid, async () => {
        const result = await this.scoring.rescore(leadId, {
          causationId: envelope.id,
          correlationId: envelope.correlationid,
        });
        if (!result.alreadyHandled) this.metrics.record(result.events, sourceOf(result.state));
      });
    }
  }
}

function envelopeOf(message: IncomingMessage): EventEnvelope {
  try {
    return fromKafkaHeaders(message.headers, message.value);
  } catch (error) {
    if (error instanceof InvalidEnvelopeError) throw new PermanentMessageError(error.message);
    throw error;
  }
}
