import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { invalidRequest } from './request-body';

const REVISION_TAG = /^(?:W\/)?"?(\d{1,19})"?$/;

/** A stream revision as an HTTP entity tag: what GET answers in ETag and writes take back in If-Match. */
export function etagOf(revision: bigint): string {
  return `"${revision}"`;
}

/**
 * The If-Match header as the stream revision the caller read (`"3"`, `W/"3"` or `3`); undefined when
 * absent. Anything else is a 400 naming the header: a write that cannot check what it was told to
 * check must not go ahead unchecked.
 */
export const IfMatch = () =>
  createParamDecorator((_: unknown, context: ExecutionContext): bigint | undefined => {
    const value = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers[
      'if-match'
    ];
    if (value === undefined) return undefined;
    const match = typeof value === 'string' ? REVISION_TAG.exec(value.trim()) : null;
    if (!match) {
      throw invalidRequest([{ path: 'If-Match', reason: 'must be the ETag a GET answered, e.g. "3"' }]);
    }
    return BigInt(match[1]);
  })();

export const ApiIfMatchHeader = () =>
  ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'The ETag last read: the write is refused with 412 if the resource changed since',
    schema: { type: 'string', example: '"3"' },
  });
