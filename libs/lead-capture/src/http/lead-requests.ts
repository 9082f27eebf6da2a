import { Instant, LeadCapturedData, LeadEngagementRecordedData, Optional } from '@leadledger/contracts';
import { OmitType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray } from 'class-validator';

/**
 * A lead as other systems submit it: LeadCaptured's fields without the id leadledger assigns, so the
 * event's rules are the request's rules. `occurredAt` lets an import keep when the lead really came in.
 */
export class LeadSubmissionRequest extends OmitType(LeadCapturedData, ['leadId'] as const) {
  /** When the lead showed interest (RFC 3339); now when absent. */
  @Optional() @Instant() readonly occurredAt?: string;
}

/** An activity of a known lead, as a tracking system reports it. */
export class EngagementRequest extends OmitType(LeadEngagementRecordedData, ['leadId'] as const) {
  /** When the activity happened (RFC 3339): engagement points decay from this time. */
  @Instant() readonly occurredAt!: string;
}

export const MAX_BATCH_SIZE = 1_000;

/** Items are validated one by one, so one bad lead rejects itself, not the batch. */
export class LeadBatchRequest {
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_BATCH_SIZE) readonly leads!: unknown[];
}
