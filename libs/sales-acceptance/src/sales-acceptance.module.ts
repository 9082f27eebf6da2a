import type { Clock } from '@leadledger/contracts';
import type { EventStore } from '@leadledger/eventsourcing';
import { LeadledgerMetrics } from '@leadledger/observability';
import {
  CLOCK,
  EVENT_STORE,
  SERVICE_ENVIRONMENT,
  provideLifecycleConsumer,
  provideProjections,
  provideSchedule,
  reportUnreadableEvents,
} from '@leadledger/platform';
import { scheduledItemsProjection } from '@leadledger/projections';
import { Module } from '@nestjs/common';
import { mqlAssignment } from './consumers/mql-assignment.consumer';
import { SalesController } from './http/sales.controller';
import { SALES_REQUEST_CLASSES } from './http/sales-requests';
import { LeadOwnership } from './lead-ownership';
import {
  DEFAULT_QUALIFICATION_PATH,
  DEFAULT_SALES_TEAM_PATH,
  loadSalesConfig,
  type LoadedSalesConfig,
} from './load-sales-config';
import { salesLeadsProjection } from './projections/sales-leads';
import { SalesAcceptanceService } from './sales-acceptance.service';
import { SalesMetrics } from './sales-metrics';
import { breachHandoffSla, handoffSlas } from './schedules/handoff-slas';
import { HANDOFF_SLAS, MQL_ASSIGNMENT, SALES_ACCEPTANCE_PROJECTIONS, SALES_CONFIG } from './tokens';

/** MQL assignment on the lifecycle topic, the handoff SLAs, and the reps' actions over HTTP. */
@Module({
  controllers: [SalesController],
  providers: [
    // SALES_TEAM and QUALIFICATION name other files; a bad one stops the service at start, naming the rule.
    {
      provide: SALES_CONFIG,
      inject: [SERVICE_ENVIRONMENT],
      useFactory: (env: NodeJS.ProcessEnv) =>
        loadSalesConfig({
          teamPath: env.SALES_TEAM || DEFAULT_SALES_TEAM_PATH,
          qualificationPath: env.QUALIFICATION || DEFAULT_QUALIFICATION_PATH,
        }),
    },
    {
      provide: SalesAcceptanceService,
      inject: [EVENT_STORE, CLOCK, SALES_CONFIG, LeadledgerMetrics],
      useFactory: (store: EventStore, clock: Clock, config: LoadedSalesConfig, metrics: LeadledgerMetrics) =>
        new SalesAcceptanceService(store, clock, config, reportUnreadableEvents(metrics)),
    },
    provideProjections(SALES_ACCEPTANCE_PROJECTIONS, 'sales-acceptance', [
      salesLeadsProjection,
      scheduledItemsProjection(handoffSlas),
    ]),
    provideSchedule(HANDOFF_SLAS, {
      scheduler: handoffSlas,
      tickSetting: 'SLA_TICK_MS',
      defaultTickMs: 30_000,
      inject: [SalesAcceptanceService, SalesMetrics],
      handler: breachHandoffSla,
    }),
    SalesMetrics,
    LeadOwnership,
    provideLifecycleConsumer(MQL_ASSIGNMENT, {
      inject: [SalesAcceptanceService, SalesMetrics],
      consumer: mqlAssignment,
    }),
  ],
  exports: [SalesAcceptanceService],
})
export class SalesAcceptanceModule {
  static readonly requestClasses = SALES_REQUEST_CLASSES;
}
