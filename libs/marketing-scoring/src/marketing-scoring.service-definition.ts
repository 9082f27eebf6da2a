import type { ServiceDefinition } from '@leadledger/platform';
import { MarketingScoringModule } from './marketing-scoring.module';

/** marketing-scoring on its own: it consumes the lifecycle topic from Kafka; lead-capture runs the relay. */
export const MARKETING_SCORING_SERVICE: ServiceDefinition = {
  service: 'marketing-scoring',
  title: 'leadledger marketing-scoring',
  modules: [MarketingScoringModule],
  requireKafka: true,
  relay: false,
};
