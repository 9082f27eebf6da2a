import type { ServiceDefinition } from '@leadledger/platform';
import { ForecastingModule } from './forecasting.module';

/**
 * forecasting on its own. Its read models follow the event store (both lead and opportunity
 * streams) with the projection runner, which commits rows and checkpoint together; it needs no
 * Kafka, and no lifecycle topic is consumed twice.
 */
export const FORECASTING_SERVICE: ServiceDefinition = {
  service: 'forecasting',
  title: 'leadledger forecasting',
  modules: [ForecastingModule],
  requestClasses: ForecastingModule.requestClasses,
  requireKafka: false,
  relay: false,
};
