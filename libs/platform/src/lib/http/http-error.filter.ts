import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import { errorBodyOf } from './error-body';

/** The part of Express's response this filter uses. */
interface JsonResponse {
  headersSent?: boolean;
  status(code: number): { json(body: unknown): void };
}

/**
 * Every error of every HTTP route answers in one shape, `{ statusCode, error, message, code,
 * issues? }` with a stable `code` (ErrorBody): Nest's own exceptions, the body parser's, the
 * domain's refusals, and anything unexpected, which becomes a 500 that reveals nothing and is
 * logged. On a message transport the error goes back to the bus, which decides about retries.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(error: unknown, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() !== 'http') return throwError(() => error);
    const body = errorBodyOf(error);
    if (body.statusCode >= 500) {
      // Type and frames only: an error's message may quote the data that caused it (personal data).
      this.logger.error({ errorType: errorTypeOf(error), frames: framesOf(error) }, 'request failed');
    }
    const response = host.switchToHttp().getResponse<JsonResponse>();
    if (response.headersSent) return;
    response.status(body.statusCode).json(body);
  }
}

export function errorTypeOf(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** The stack without its first line, which is the message. */
export function framesOf(error: unknown): string | undefined {
  return error instanceof Error ? error.stack?.split('\n').slice(1).join('\n') : undefined;
}
