import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** ScoreView as OpenAPI documents it. */
export const SCORE_VIEW_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['leadId', 'fit', 'engagement', 'total', 'breakdown', 'modelVersion', 'mql', 'disqualified'],
  additionalProperties: false,
  properties: {
    leadId: { type: 'string', format: 'uuid' },
    fit: { type: 'integer' },
    engagement: { type: 'integer' },
    total: { type: 'integer', description: 'Always fit + engagement, and the sum of the breakdown' },
    breakdown: {
      type: 'array',
      items: {
        type: 'object',
        required: ['ruleId', 'axis', 'points', 'eventId'],
        additionalProperties: false,
        properties: {
          ruleId: { type: 'string' },
          axis: { type: 'string', enum: ['fit', 'engagement'] },
          points: { type: 'integer' },
          eventId: { type: 'string', format: 'uuid', description: 'The event that earned the points' },
        },
      },
    },
    modelVersion: { type: 'string' },
    mql: {
      type: 'boolean',
      description: 'Handed to sales as marketing-qualified in the current nurture cycle',
    },
    disqualified: { type: 'boolean' },
    disqualificationReason: { type: 'string' },
  },
};
