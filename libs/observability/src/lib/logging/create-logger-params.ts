import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { Params } from 'nestjs-pino';
import { pino, type Level, type LevelWithSilent, type Logger } from 'pino';
import { correlationIdOf } from '../correlation/http-correlation';
import { currentCorrelationId } from '../correlation/correlation-context';
import type { ObservabilityOptions } from '../observability.options';
import { isOperationalRequest } from '../operational-requests';

export class InvalidLogLevelError extends Error {
  override readonly name = 'InvalidLogLevelError';
}

const LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function resolveLogLevel(
  configured: string | undefined,
  fromEnvironment: string | undefined = process.env['LOG_LEVEL'],
): LevelWithSilent {
  const level = (configured ?? fromEnvironment ?? 'info').trim().toLowerCase();
  if (!LEVELS.includes(level as LevelWithSilent))
    throw new InvalidLogLevelError(`log level "${level}" (LOG_LEVEL) is not one of ${LEVELS.join(', ')}`);
  return level as LevelWithSilent;
}

/** The process-wide JSON logger; every line carries the service and, inside work, its correlation id. */
export function createRootLogger(options: ObservabilityOptions): Logger {
  return pino(
    {
      level: resolveLogLevel(options.logLevel),
      base: { service: options.service, pid: process.pid, hostname: hostname() },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names rather than pino's numbers: log stores filter on "error", not on 50.
      formatters: { level: (label) => ({ level: label }) },
      // Reading the id per line, not binding it into child loggers, makes it reach every logger,
      // including Nest's and those created before the work started.
      mixin: () => {
        const correlationId = currentCorrelationId();
        return correlationId === undefined ? {} : { correlationId };
      },
      redact: {
        // Every header that can carry a credential: an API key in a log store is a leaked key.
        paths: [
          'req.headers.authorization',
          'req.headers["x-api-key"]',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
        ],
        censor: '[redacted]',
      },
    },
    options.logDestination ?? pino.destination(1),
  );
}

/** nestjs-pino's configuration: request logging through the root logger, ids shared with the context. */
export function createLoggerParams(options: ObservabilityOptions): Params {
  return {
    pinoHttp: {
      logger: createRootLogger(options),
      genReqId: (req: IncomingMessage, res: ServerResponse) => correlationIdOf(req, res),
      // The completion line is written from the response's 'close' event, which may fire outside
      // the request's async context, so it names the id itself rather than relying on the mixin.
      customSuccessObject: (req, _res, value: object) => ({ ...value, correlationId: req.id }),
      customErrorObject: (req, _res, _error, value: object) => ({ ...value, correlationId: req.id }),
      customLogLevel: (req, res, error): LevelWithSilent => completionLevel(req, res.statusCode, error),
    },
  };
}

function completionLevel(req: IncomingMessage, statusCode: number, error: unknown): Level | 'silent' {
  if (isOperationalRequest(req)) return 'silent';
  if (error !== undefined || statusCode >= 500) return 'error';
  if (statusCode >= 400) return 'warn';
  return 'info';
}
