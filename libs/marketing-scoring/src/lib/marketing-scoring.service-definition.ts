import type { ServiceDefinition } from '@leadledger/platform';
import { ScoringModule } from './scoring.module';

/** marketing-scoring on its own: it consumes the lifecycle topic from Kafka; lead-capture runs the relay. */
export const MARKETING_SCORING_SERVICE: ServiceDefinition = {
  service: 'marketing-scoring',
  title: 'leadledger marketing-scoring',
  modules: [ScoringModule],
  requireKafka: true,
  relay: false,
};
