import {
  Module,
  RequestMethod,
  type DynamicModule,
  type INestApplication,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { Logger, LoggerModule } from 'nestjs-pino';
import { correlationMiddleware } from './correlation/http-correlation';
import { HealthController } from './health/health.controller';
import { ReadinessRegistry } from './health/readiness-registry';
import { createLoggerParams } from './logging/create-logger-params';
import { HttpMetricsMiddleware, UnmatchedRequestTracker } from './metrics/http-metrics.middleware';
import { createMetricsRegistry, LeadledgerMetrics } from './metrics/leadledger-metrics';
import { MetricsController } from './metrics/metrics.controller';
import { OBSERVABILITY_OPTIONS, type ObservabilityOptions } from './observability.options';

/**
 * Metrics, health and structured logging for one service: import `ObservabilityModule.forRoot`
 * once, in the app module. Global, so every module can inject `LeadledgerMetrics` and
 * `ReadinessRegistry`. Serves GET /metrics, /health/live and /health/ready.
 */
@Module({})
export class ObservabilityModule implements NestModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      imports: [
        TerminusModule.forRoot({ errorLogStyle: 'json' }),
        LoggerModule.forRootAsync({ useFactory: () => createLoggerParams(options) }),
      ],
      controllers: [MetricsController, HealthController],
      providers: [
        { provide: OBSERVABILITY_OPTIONS, useValue: options },
        {
          provide: LeadledgerMetrics,
          useFactory: () => new LeadledgerMetrics(createMetricsRegistry(options.service)),
        },
        ReadinessRegistry,
        HttpMetricsMiddleware,
        UnmatchedRequestTracker,
      ],
      exports: [LeadledgerMetrics, ReadinessRegistry],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(correlationMiddleware, HttpMetricsMiddleware)
      .forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}

/**
 * Routes Nest's own logging (and every `new Logger(context)`) through the JSON logger. Call it in
 * main.ts right after creating the app, created with `{ bufferLogs: true }` so boot logs wait for it.
 */
export function useStructuredLogging(app: INestApplication): void {
  app.useLogger(app.get(Logger));
  app.flushLogs();
}
