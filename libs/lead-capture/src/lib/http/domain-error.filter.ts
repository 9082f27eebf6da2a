import { ArgumentsHost, Catch, HttpStatus, type ExceptionFilter } from '@nestjs/common';
import { DomainError } from '../../domain/domain-error';

/** The part of Express's response this filter uses. */
interface JsonResponse {
  status(code: number): { json(body: unknown): void };
}

const STATUS_OF: Record<DomainError['kind'], HttpStatus> = {
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  invalid: HttpStatus.BAD_REQUEST,
};

/** A command the domain refused is the client's problem, never a 500. */
@Catch(DomainError)
export class DomainErrorFilter implements ExceptionFilter<DomainError> {
  catch(error: DomainError, host: ArgumentsHost): void {
    const status = STATUS_OF[error.kind];
    host
      .switchToHttp()
      .getResponse<JsonResponse>()
      .status(status)
      .json({
        statusCode: status,
        error: error.kind,
        message: error.message,
        ...(error.kind === 'invalid' ? { issues: [{ field: '(body)', reason: error.message }] } : {}),
      });
  }
}
