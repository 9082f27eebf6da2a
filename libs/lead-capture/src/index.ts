export { LeadCaptureModule } from './lib/lead-capture.module';
export {
  LeadCaptureService,
  LEAD_CAPTURE_SOURCE,
  type IntakeContext,
  type SubmissionResult,
} from './lib/lead-capture.service';
export type { LeadView, LeadEventView } from './lib/lead-view';
export { LeadSubmissionRequest, EngagementRequest } from './lib/http/lead-requests';
export * from './domain/lead.decider';
export * from './domain/identity';
export * from './domain/lead-submission';
export { LEAD_CAPTURE_SERVICE } from './lib/lead-capture.service-definition';
