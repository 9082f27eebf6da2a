import { DomainError, type DomainErrorKind } from '@leadledger/eventsourcing';
import { HttpException, HttpStatus } from '@nestjs/common';

/** One issue of a refused request: which field (or header), and why. */
export interface ErrorIssue {
  readonly field: string;
  readonly reason: string;
}

/** What every 4xx and 5xx of every route answers. */
export interface ErrorBody {
  readonly statusCode: number;
  /** The status's reason phrase. */
  readonly error: string;
  /** For people; may change. */
  readonly message: string;
  /** For programs: stable, one of ERROR_CODES. */
  readonly code: ErrorCode;
  readonly issues?: readonly ErrorIssue[];
}

export const ERROR_CODES = [
  'invalid_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'not_acceptable',
  'conflict',
  'idempotency_key_in_use',
  'precondition_failed',
  'payload_too_large',
  'unsupported_media_type',
  'unprocessable',
  'idempotency_key_reused',
  'too_many_requests',
  'client_error',
  'internal',
  'unavailable',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const CODE_OF_STATUS: Readonly<Partial<Record<number, ErrorCode>>> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'too_many_requests',
  503: 'unavailable',
};

/** The one place a refused command becomes an HTTP status. */
export const HTTP_STATUS_OF_DOMAIN_ERROR: Readonly<Record<DomainErrorKind, HttpStatus>> = {
  invalid: HttpStatus.BAD_REQUEST,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  forbidden: HttpStatus.FORBIDDEN,
  precondition: HttpStatus.UNPROCESSABLE_ENTITY,
  stale: HttpStatus.PRECONDITION_FAILED,
};

const REASON_PHRASE: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const INTERNAL_ERROR_BODY: ErrorBody = {
  statusCode: 500,
  error: 'Internal Server Error',
  message: 'the request could not be completed; it has been logged',
  code: 'internal',
};

/** Any error as the client sees it: what it may know, in the one shape; anything unknown is a bare 500. */
export function errorBodyOf(error: unknown): ErrorBody {
  if (error instanceof DomainError) return domainErrorBodyOf(error);
  if (error instanceof HttpException) return httpExceptionBodyOf(error);
  const clientStatus = clientErrorStatusOf(error);
  if (clientStatus !== undefined) {
    return bodyFor(clientStatus, clientErrorMessageOf(clientStatus, error as { type?: unknown }));
  }
  return INTERNAL_ERROR_BODY;
}

export function domainErrorBodyOf(error: DomainError): ErrorBody {
  const status = HTTP_STATUS_OF_DOMAIN_ERROR[error.kind];
  const issues =
    error.issues.length > 0
      ? error.issues.map(({ field, reason }) => ({ field, reason }))
      : error.kind === 'invalid'
        ? [{ field: '(body)', reason: error.message }]
        : undefined;
  // A refusal may name a finer code than its kind's (`idempotency_key_reused` for a precondition).
  const own = (error as DomainError & { code?: unknown }).code;
  const code = isErrorCode(own) ? own : codeOfStatus(status);
  return { ...bodyFor(status, error.message), code, ...(issues ? { issues } : {}) };
}

function httpExceptionBodyOf(exception: HttpException): ErrorBody {
  const status = exception.getStatus();
  if (status >= 500) return status === 503 ? bodyFor(503, 'unavailable; retry later') : INTERNAL_ERROR_BODY;
  const response = exception.getResponse();
  if (typeof response === 'string') return bodyFor(status, response);
  const { message, issues } = response as { message?: unknown; issues?: unknown };
  const messages = Array.isArray(message) ? message.map(String) : [];
  const shownIssues = isIssueList(issues)
    ? issues
    : messages.length > 0
      ? messages.map((reason) => ({ field: '(body)', reason }))
      : undefined;
  const text =
    typeof message === 'string' ? message : messages.length > 0 ? 'invalid request' : exception.message;
  return { ...bodyFor(status, text), ...(shownIssues ? { issues: shownIssues } : {}) };
}

/**
 * Errors of Express middleware, the JSON body parser's above all (`entity.too.large`,
 * `entity.parse.failed`), carry their 4xx as `status` and `expose: true`.
 */
function clientErrorStatusOf(error: unknown): number | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const { status, statusCode, expose } = error as {
    status?: unknown;
    statusCode?: unknown;
    expose?: unknown;
  };
  const code = typeof status === 'number' ? status : statusCode;
  return expose === true && typeof code === 'number' && code >= 400 && code < 500 ? code : undefined;
}

function clientErrorMessageOf(status: number, error: { type?: unknown }): string {
  switch (error.type) {
    case 'entity.too.large':
      return 'the request body is larger than the 4 MB this API accepts';
    case 'entity.parse.failed':
      return 'the request body is not valid JSON';
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return 'the request body must be UTF-8 JSON';
    default:
      // The parser's own messages may quote the body: not echoed.
      return REASON_PHRASE[status] ?? 'client error';
  }
}

function bodyFor(status: number, message: string): ErrorBody {
  return { statusCode: status, error: REASON_PHRASE[status] ?? 'Error', message, code: codeOfStatus(status) };
}

function codeOfStatus(status: number): ErrorCode {
  return CODE_OF_STATUS[status] ?? (status >= 500 ? 'internal' : 'client_error');
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

function isIssueList(value: unknown): value is ErrorIssue[] {
  return (
    Array.isArray(value) &&
    value.every((issue) => typeof issue?.field === 'string' && typeof issue?.reason === 'string')
  );
}
