import type { Clock } from '@leadledger/contracts';
import type { EventStore } from '@leadledger/eventsourcing';
import { LeadledgerMetrics } from '@leadledger/observability';
import {
  CLOCK,
  EVENT_STORE,
  SERVICE_ENVIRONMENT,
  provideLifecycleConsumer,
  provideProjections,
  reportUnreadableEvents,
} from '@leadledger/platform';
import { Module } from '@nestjs/common';
import { conversionOpening } from './consumers/conversion-opening.consumer';
import { ImportsController } from './http/imports.controller';
import { OpportunitiesController } from './http/opportunities.controller';
import { OpportunityImporter } from './imports/opportunity-importer';
import { OpportunityImportLine, StageEntry } from './domain/opportunity-import';
import { OPPORTUNITY_REQUEST_CLASSES } from './http/opportunity-requests';
import { DEFAULT_PIPELINES_PATH, loadPipelines, type LoadedPipelines } from '@leadledger/contracts';
import { OpportunityMetrics } from './opportunity-metrics';
import { OpportunityOwnership } from './opportunity-ownership';
import { OpportunityService } from './opportunity.service';
import { opportunitiesProjection } from './projections/opportunities';
import { CONVERSION_OPENING, OPPORTUNITY_PROJECTIONS, PIPELINES } from './tokens';

/** Opening opportunities from conversions, and every change to them over HTTP. */
@Module({
  controllers: [OpportunitiesController, ImportsController],
  providers: [
    // PIPELINES names another file; a bad one stops the service at start, naming the rule.
    {
      provide: PIPELINES,
      inject: [SERVICE_ENVIRONMENT],
      useFactory: (env: NodeJS.ProcessEnv) => loadPipelines(env.PIPELINES || DEFAULT_PIPELINES_PATH),
    },
    {
      provide: OpportunityService,
      inject: [EVENT_STORE, CLOCK, PIPELINES, LeadledgerMetrics],
      useFactory: (store: EventStore, clock: Clock, pipelines: LoadedPipelines, metrics: LeadledgerMetrics) =>
        new OpportunityService(store, clock, pipelines, reportUnreadableEvents(metrics)),
    },
    {
      provide: OpportunityImporter,
      inject: [EVENT_STORE, PIPELINES],
      useFactory: (store: EventStore, pipelines: LoadedPipelines) =>
        new OpportunityImporter(store, pipelines.config),
    },
    provideProjections(OPPORTUNITY_PROJECTIONS, 'opportunity', [opportunitiesProjection]),
    OpportunityMetrics,
    OpportunityOwnership,
    provideLifecycleConsumer(CONVERSION_OPENING, {
      inject: [OpportunityService],
      consumer: conversionOpening,
    }),
  ],
  exports: [OpportunityService],
})
export class OpportunityModule {
  static readonly requestClasses = [...OPPORTUNITY_REQUEST_CLASSES, OpportunityImportLine, StageEntry];
}
