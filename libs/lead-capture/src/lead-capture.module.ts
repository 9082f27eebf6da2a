import type { Clock } from '@leadledger/contracts';
import type { EventStore } from '@leadledger/eventstore';
import {
  CLOCK,
  EVENT_STORE,
  provideProjections,
  reportUnreadableEvents,
  type ManagedProjections,
} from '@leadledger/platform';
import { LeadledgerMetrics } from '@leadledger/observability';
import { Module } from '@nestjs/common';
import { LeadsController } from './http/leads.controller';
import { EngagementRequest, LEAD_SUBMISSION_REQUEST_CLASSES } from './http/lead-requests';
import { LeadIntakeController } from './consumers/lead-intake.controller';
import { LeadCaptureService } from './lead-capture.service';
import { leadViewProjection, toLeadView } from './projections/lead-view';
import { countingFindings } from './intake-metrics';
import { LEAD_CAPTURE_PROJECTIONS } from './tokens';

/** Lead intake over HTTP and Kafka, on the platform's event store and clock. */
@Module({
  controllers: [LeadsController, LeadIntakeController],
  providers: [
    provideProjections(LEAD_CAPTURE_PROJECTIONS, 'lead-capture', [leadViewProjection]),
    {
      provide: LeadCaptureService,
      inject: [EVENT_STORE, CLOCK, LEAD_CAPTURE_PROJECTIONS, LeadledgerMetrics],
      useFactory: (
        store: EventStore,
        clock: Clock,
        projections: ManagedProjections,
        metrics: LeadledgerMetrics,
      ) =>
        new LeadCaptureService(
          store,
          clock,
          {
            find: async (leadId) => {
              const { sql, schema } = projections.readModels;
              const row = await leadViewProjection.find(sql, schema, leadId);
              return row && toLeadView(row);
            },
          },
          { onFinding: countingFindings(metrics), onUnreadable: reportUnreadableEvents(metrics) },
        ),
    },
  ],
  exports: [LeadCaptureService],
})
export class LeadCaptureModule {
  /** Bodies documented at /docs from their validation rules. */
  static readonly requestClasses = [...LEAD_SUBMISSION_REQUEST_CLASSES, EngagementRequest];
}
