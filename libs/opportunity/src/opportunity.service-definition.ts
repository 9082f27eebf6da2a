import type { ServiceDefinition } from '@leadledger/platform';
import { OpportunityModule } from './opportunity.module';

/** opportunity on its own: it consumes the lead lifecycle from Kafka; lead-capture runs the relay. */
export const OPPORTUNITY_SERVICE: ServiceDefinition = {
  service: 'opportunity',
  title: 'leadledger opportunity',
  modules: [OpportunityModule],
  requestClasses: OpportunityModule.requestClasses,
  requireKafka: true,
  relay: false,
};
