import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { invalidRequest } from './request-validation';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * Who a caller may claim to act for. `system:` is leadledger's own services' and never a caller's;
 * the length bound keeps a header from bloating every event it is recorded in.
 */
export const CLAIMED_ACTOR = /^(user|integration):[A-Za-z0-9._@+-]{1,200}$/;

// Headers are read by custom decorators rather than @Headers(name): Swagger documents a @Headers
// parameter as a second, required header beside the one @ApiHeader documents.

/** The Idempotency-Key header, checked: 1 to 200 visible ASCII characters. */
export const IdempotencyKey = () =>
  createParamDecorator((_: unknown, context: ExecutionContext): string | undefined => {
    const value = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers[
      'idempotency-key'
    ];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) {
      throw invalidRequest([
        { path: 'Idempotency-Key', reason: 'must be 1 to 200 visible ASCII characters' },
      ]);
    }
    return value;
  })();

/** The X-Actor header, checked against CLAIMED_ACTOR. */
export const ClaimedActor = () =>
  createParamDecorator((_: unknown, context: ExecutionContext): string | undefined => {
    const value = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers[
      'x-actor'
    ];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value.startsWith('system:')) {
      throw invalidRequest([
        { path: 'X-Actor', reason: "system: is reserved for leadledger's own services" },
      ]);
    }
    if (typeof value !== 'string' || !CLAIMED_ACTOR.test(value)) {
      throw invalidRequest([
        {
          path: 'X-Actor',
          reason: 'must be user:<id> or integration:<id>, the id 1 to 200 of A-Z a-z 0-9 . _ @ + -',
        },
      ]);
    }
    return value;
  })();

export const ApiIdempotencyKeyHeader = (description: string) =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description,
    schema: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]{1,200}$' },
  });

export const ApiClaimedActorHeader = () =>
  ApiHeader({
    name: 'X-Actor',
    required: false,
    description:
      'Who the caller acts for, as it claims (user:<id> or integration:<id>; system: is reserved). ' +
      'Unverified: events record it as `claimedActor` beside the actor `integration:http-api`.',
    schema: { type: 'string', maxLength: 212, pattern: CLAIMED_ACTOR.source },
  });
