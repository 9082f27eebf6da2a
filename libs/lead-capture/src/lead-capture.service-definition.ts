import type { ServiceDefinition } from '@leadledger/platform';
import { LeadCaptureModule } from './lead-capture.module';

/** lead-capture on its own: Kafka is required, and it runs the relay unless RELAY=false. */
export const LEAD_CAPTURE_SERVICE: ServiceDefinition = {
  service: 'lead-capture',
  title: 'leadledger lead-capture',
  modules: [LeadCaptureModule],
  requestClasses: LeadCaptureModule.requestClasses,
  requireKafka: true,
  relay: true,
};
