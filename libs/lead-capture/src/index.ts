export { LeadCaptureModule } from './lead-capture.module';
export {
  LeadCaptureService,
  LEAD_CAPTURE_SOURCE,
  type IntakeContext,
  type SubmissionResult,
} from './lead-capture.service';
export type { LeadView, LeadEventView } from './projections/lead-view';
export { LeadSubmissionRequest, EngagementRequest } from './http/lead-requests';
export { BATCH_CONCURRENCY } from './identity-chains';
export * from './domain/lead.decider';
export * from './domain/identity';
export * from './domain/lead-submission';
export { LEAD_CAPTURE_SERVICE } from './lead-capture.service-definition';
