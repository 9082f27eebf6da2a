import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { invalidRequest } from './request-validation';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * Who the producer of an inbound message may claim to act for (`ce_actor`), recorded beside the actor
 * as `claimedActor`. `system:` is leadledger's own services' and never a producer's; the length bound
 * keeps a header from bloating every event it is recorded in.
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

export const ApiIdempotencyKeyHeader = (description: string) =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description,
    schema: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]{1,200}$' },
  });
