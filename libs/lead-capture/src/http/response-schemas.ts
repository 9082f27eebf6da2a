import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { MAX_BATCH_SIZE } from './lead-requests';

// What each lead-capture route answers, as /docs-json documents it. Nested parts of a lead refer to
// the components the request classes already document (Contact, Company, Utm, ExternalRef).

const uuid: SchemaObject = { type: 'string', format: 'uuid' };
const instant: SchemaObject = { type: 'string', format: 'date-time' };
const ref = (name: string): SchemaObject => ({ $ref: `#/components/schemas/${name}` }) as SchemaObject;

export const SUBMISSION_ANSWER_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['leadId', 'outcome', 'replayed'],
  additionalProperties: false,
  properties: {
    leadId: uuid,
    outcome: {
      type: 'string',
      enum: ['captured', 'updated', 'unchanged'],
      description: 'captured: a new lead; updated: a known lead got new details; unchanged: a duplicate',
    },
    replayed: {
      type: 'boolean',
      description: 'A retry under the same Idempotency-Key: the first call answer, nothing done now',
    },
  },
};

export const ENGAGEMENT_ANSWER_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['leadId', 'outcome', 'replayed'],
  additionalProperties: false,
  properties: {
    leadId: uuid,
    outcome: {
      type: 'string',
      enum: ['recorded', 'duplicate'],
      description: 'duplicate: an engagement with this engagementId was recorded before',
    },
    replayed: SUBMISSION_ANSWER_SCHEMA.properties?.['replayed'] as SchemaObject,
  },
};

const issue: SchemaObject = {
  type: 'object',
  required: ['field', 'reason'],
  additionalProperties: false,
  properties: { field: { type: 'string' }, reason: { type: 'string' } },
};

export const BATCH_ANSWER_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['results'],
  additionalProperties: false,
  properties: {
    results: {
      type: 'array',
      maxItems: MAX_BATCH_SIZE,
      description: 'One result per submitted lead, in order, whatever became of the others',
      items: {
        oneOf: [
          {
            type: 'object',
            required: ['index', 'status', 'leadId', 'outcome'],
            additionalProperties: false,
            properties: {
              index: { type: 'integer', minimum: 0 },
              status: { type: 'string', enum: ['accepted'] },
              leadId: uuid,
              outcome: SUBMISSION_ANSWER_SCHEMA.properties?.['outcome'] as SchemaObject,
            },
          },
          {
            type: 'object',
            required: ['index', 'status', 'issues'],
            additionalProperties: false,
            description: 'The item was refused: each bad field and why',
            properties: {
              index: { type: 'integer', minimum: 0 },
              status: { type: 'string', enum: ['rejected'] },
              issues: { type: 'array', items: issue },
            },
          },
          {
            type: 'object',
            required: ['index', 'status', 'error'],
            additionalProperties: false,
            description:
              'The item could not be processed; `error` is a stable code, the same as an error answer has',
            properties: {
              index: { type: 'integer', minimum: 0 },
              status: { type: 'string', enum: ['failed'] },
              error: {
                type: 'string',
                enum: ['idempotency_key_reused', 'idempotency_key_in_use', 'internal'],
              },
            },
          },
        ],
      },
    },
  },
};

export const LEAD_VIEW_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['leadId', 'stage', 'source', 'contact', 'engagementCount', 'updatedAt', 'revision'],
  properties: {
    leadId: uuid,
    stage: {
      type: 'string',
      enum: [
        'captured',
        'marketing_qualified',
        'disqualified',
        'assigned_to_sales',
        'sales_accepted',
        'rejected_by_sales',
        'nurture',
        'qualified',
        'converted',
        'erased',
      ],
    },
    source: { type: 'string' },
    sourceDetail: { type: 'string' },
    utm: ref('Utm'),
    contact: ref('Contact'),
    company: ref('Company'),
    externalRef: ref('ExternalRef'),
    owner: { type: 'string' },
    score: {
      type: 'object',
      required: ['fit', 'engagement', 'total', 'modelVersion'],
      properties: {
        fit: { type: 'number' },
        engagement: { type: 'number' },
        total: { type: 'number' },
        modelVersion: { type: 'string' },
      },
    },
    engagementCount: { type: 'integer', minimum: 0 },
    opportunityId: uuid,
    capturedAt: { ...instant, description: 'When the lead showed interest (business time)' },
    lastEngagementAt: { ...instant, description: 'When its latest engagement happened (business time)' },
    updatedAt: { ...instant, description: 'When its stream last changed' },
    revision: { type: 'integer', minimum: 0, description: "The stream's last revision" },
  },
};

export const LEAD_EVENTS_SCHEMA: SchemaObject = {
  type: 'array',
  description: 'Oldest first',
  items: {
    type: 'object',
    required: ['id', 'type', 'eventType', 'revision', 'recordedAt', 'data'],
    properties: {
      id: uuid,
      type: { type: 'string', description: 'The domain name, e.g. LeadCaptured' },
      eventType: { type: 'string', description: 'The CloudEvents type, e.g. leadledger.lead.captured.v1' },
      revision: { type: 'integer', minimum: 0 },
      occurredAt: instant,
      recordedAt: instant,
      actor: { type: 'string', description: 'Who did it, as leadledger knows it' },
      claimedActor: {
        type: 'string',
        description: 'Whom the producer of an inbound message said it acted for (ce_actor), unverified',
      },
      correlationId: { type: 'string' },
      causationId: { type: 'string' },
      data: {
        type: 'object',
        description: "The event's payload, as its JSON Schema in the event catalog says",
      },
    },
  },
};
