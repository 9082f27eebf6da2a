import type { ValidationIssue } from '@leadledger/contracts';
import { BadRequestException } from '@nestjs/common';

/** The body of every 400: each bad field and why. */
export interface InvalidRequestBody {
  readonly statusCode: 400;
  readonly error: 'Bad Request';
  readonly message: string;
  readonly issues: readonly { readonly field: string; readonly reason: string }[];
}

export function invalidRequest(
  issues: readonly ValidationIssue[],
  message = 'invalid request',
): BadRequestException {
  const body: InvalidRequestBody = {
    statusCode: 400,
    error: 'Bad Request',
    message,
    issues: issues.map(({ path, reason }) => ({ field: path || '(body)', reason })),
  };
  return new BadRequestException(body);
}
