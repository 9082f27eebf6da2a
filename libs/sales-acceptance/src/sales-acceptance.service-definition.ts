import type { ServiceDefinition } from '@leadledger/platform';
import { SalesAcceptanceModule } from './sales-acceptance.module';

/** sales-acceptance on its own: it consumes the lifecycle topic from Kafka; lead-capture runs the relay. */
export const SALES_ACCEPTANCE_SERVICE: ServiceDefinition = {
  service: 'sales-acceptance',
  title: 'leadledger sales-acceptance',
  modules: [SalesAcceptanceModule],
  requestClasses: SalesAcceptanceModule.requestClasses,
  requireKafka: true,
  relay: false,
};
