import type { Clock } from '@leadledger/contracts';
import type { EventStore } from '@leadledger/eventstore';
import { CLOCK, EVENT_STORE } from '@leadledger/platform';
import { Module } from '@nestjs/common';
import { LeadsController } from './http/leads.controller';
import { EngagementRequest, LeadSubmissionRequest } from './http/lead-requests';
import { LeadIntakeController } from './consumers/lead-intake.controller';
import { LeadCaptureService } from './lead-capture.service';

/** Lead intake over HTTP and Kafka, on the platform's event store and clock. */
@Module({
  controllers: [LeadsController, LeadIntakeController],
  providers: [
    {
      provide: LeadCaptureService,
      inject: [EVENT_STORE, CLOCK],
      useFactory: (store: EventStore, clock: Clock) => new LeadCaptureService(store, clock),
    },
  ],
  exports: [LeadCaptureService],
})
export class LeadCaptureModule {
  /** Bodies documented at /docs from their validation rules. */
  static readonly requestClasses = [LeadSubmissionRequest, EngagementRequest];
}
