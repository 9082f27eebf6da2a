import { DomainError, type DomainErrorKind } from '@leadledger/eventsourcing';
import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/** The part of Express's response this filter uses. */
interface JsonResponse {
  status(code: number): { json(body: unknown): void };
}

/** The one place a refused command becomes an HTTP status. */
export const HTTP_STATUS_OF_DOMAIN_ERROR: Readonly<Record<DomainErrorKind, HttpStatus>> = {
  invalid: HttpStatus.BAD_REQUEST,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  forbidden: HttpStatus.FORBIDDEN,
  precondition: HttpStatus.UNPROCESSABLE_ENTITY,
};

const REASON_PHRASE: Readonly<Record<DomainErrorKind, string>> = {
  invalid: 'Bad Request',
  not_found: 'Not Found',
  conflict: 'Conflict',
  forbidden: 'Forbidden',
  precondition: 'Unprocessable Entity',
};

/**
 * A command the domain refused is the client's problem, never a 500: answered in the shape of every
 * other error (`{ statusCode, error, message, code, issues? }`, `code` being the refusal's kind).
 * Registered for the whole application; on a message transport the error goes back to the bus,
 * whose consumers treat a refusal as permanent.
 */
@Catch(DomainError)
export class DomainErrorFilter implements ExceptionFilter<DomainError> {
  catch(error: DomainError, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() !== 'http') return throwError(() => error);
    const status = HTTP_STATUS_OF_DOMAIN_ERROR[error.kind];
    const issues =
      error.issues.length > 0
        ? error.issues
        : error.kind === 'invalid'
          ? [{ field: '(body)', reason: error.message }]
          : undefined;
    host
      .switchToHttp()
      .getResponse<JsonResponse>()
      .status(status)
      .json({
        statusCode: status,
        error: REASON_PHRASE[error.kind],
        message: error.message,
        code: error.kind,
        ...(issues ? { issues } : {}),
      });
  }
}
