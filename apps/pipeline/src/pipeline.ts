import { ForecastingModule } from '@leadledger/forecasting';
import { LeadCaptureModule } from '@leadledger/lead-capture';
import { MarketingScoringModule } from '@leadledger/marketing-scoring';
import { OpportunityModule } from '@leadledger/opportunity';
import { SalesAcceptanceModule } from '@leadledger/sales-acceptance';
import type { ServiceDefinition } from '@leadledger/platform';

/**
 * Every service in one process on embedded defaults: PGlite under ./.data and the in-process bus
 * (Kafka instead when KAFKA_BROKERS is set). It runs the relay: it is the only publisher.
 */
export const PIPELINE: ServiceDefinition = {
  service: 'pipeline',
  title: 'leadledger pipeline',
  eventStoreUrl: 'pglite://./.data',
  modules: [
    LeadCaptureModule,
    MarketingScoringModule,
    SalesAcceptanceModule,
    OpportunityModule,
    ForecastingModule,
  ],
  requestClasses: [
    ...LeadCaptureModule.requestClasses,
    ...SalesAcceptanceModule.requestClasses,
    ...OpportunityModule.requestClasses,
  ],
  requireKafka: false,
  relay: true,
};
