import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ERROR_CODES } from './error-body';

/** ErrorBody as OpenAPI documents it: the answer of every 4xx and 5xx. */
export const ERROR_BODY_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['statusCode', 'error', 'message', 'code'],
  additionalProperties: false,
  properties: {
    statusCode: { type: 'integer', minimum: 400, maximum: 599 },
    error: { type: 'string', description: "The status's reason phrase" },
    message: { type: 'string', description: 'For people; may change' },
    code: { type: 'string', enum: [...ERROR_CODES], description: 'For programs; stable' },
    issues: {
      type: 'array',
      description: 'Each refused field or header, and why',
      items: {
        type: 'object',
        required: ['field', 'reason'],
        additionalProperties: false,
        properties: { field: { type: 'string' }, reason: { type: 'string' } },
      },
    },
  },
};

const DEFAULT_DESCRIPTION: Readonly<Record<number, string>> = {
  400: 'The request is malformed or invalid (`invalid_request`): each bad field or header and why',
  404: 'No such resource (`not_found`)',
  409: 'A conflict (`conflict`), or a request with this Idempotency-Key is still being processed (`idempotency_key_in_use`)',
  412: 'If-Match names a revision that is no longer the last (`precondition_failed`): read it again',
  413: 'The body is larger than 4 MB (`payload_too_large`)',
  415: 'The body is not `application/json` (`unsupported_media_type`)',
  422: 'This Idempotency-Key was used for a different request (`idempotency_key_reused`)',
  500: 'Unexpected; nothing internal is revealed (`internal`)',
};

/** Documents the error answers a route can give, each in the one error shape. */
export function ApiErrorResponses(
  ...statuses: ReadonlyArray<number | readonly [status: number, description: string]>
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((entry) => {
      const [status, description] = typeof entry === 'number' ? [entry, DEFAULT_DESCRIPTION[entry]] : entry;
      return ApiResponse({ status, description: description ?? 'Error', schema: ERROR_BODY_SCHEMA });
    }),
  );
}
