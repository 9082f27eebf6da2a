import { jsonShapeIssues } from '@leadledger/contracts';
import { BadRequestException } from '@nestjs/common';

/** The part of an Express request this middleware reads. */
interface ParsedRequest {
  readonly body?: unknown;
}

/**
 * Right after the JSON body parser, for every route of every service: a body too deep or too wide is
 * refused before any controller, pipe or class-transformer walks it (one linear pass; the limits are
 * the contracts' own). The error goes to the application's exception filter, so the 400 has the shape
 * of every other and names the field. Reserved field names and strings no store can keep are refused
 * where a request is read (readRequest), per item of a batch, so one bad item costs only itself.
 */
export function refuseHostileJsonBodies(
  request: ParsedRequest,
  _response: unknown,
  next: (error?: unknown) => void,
): void {
  const issues =
    request.body === undefined ? [] : jsonShapeIssues(request.body, undefined, { limitsOnly: true });
  if (issues.length === 0) return next();
  next(
    new BadRequestException({
      message: 'invalid request',
      issues: issues.map(({ path, reason }) => ({ field: path || '(body)', reason })),
    }),
  );
}
