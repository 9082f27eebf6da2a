import { DomainError } from '@leadledger/eventsourcing';
import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import { domainErrorBodyOf } from './error-body';

export { HTTP_STATUS_OF_DOMAIN_ERROR } from './error-body';

/** The part of Express's response this filter uses. */
interface JsonResponse {
  status(code: number): { json(body: unknown): void };
}

/**
 * A command the domain refused is the client's problem, never a 500: answered in the shape of every
 * other error (`{ statusCode, error, message, code, issues? }`). The application registers
 * HttpErrorFilter, which answers refusals the same way; this filter is for a controller that wants
 * refusals alone handled. On a message transport the error goes back to the bus, whose consumers
 * treat a refusal as permanent.
 */
@Catch(DomainError)
export class DomainErrorFilter implements ExceptionFilter<DomainError> {
  catch(error: DomainError, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() !== 'http') return throwError(() => error);
    const body = domainErrorBodyOf(error);
    host.switchToHttp().getResponse<JsonResponse>().status(body.statusCode).json(body);
  }
}
