import { BadRequestException, ParseUUIDPipe, applyDecorators } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';

/** Parses a UUID path parameter; anything else is a 400 naming it, in the one error shape. */
export function uuidParam(name = 'id'): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () =>
      new BadRequestException({
        message: 'invalid request',
        issues: [{ field: name, reason: 'must be a UUID' }],
      }),
  });
}

/** Documents a UUID path parameter. */
export const ApiUuidParam = (name: string, description: string) =>
  applyDecorators(ApiParam({ name, description, schema: { type: 'string', format: 'uuid' } }));
