import { Public } from '@leadledger/access';
import { Controller, Get, Inject, Req } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import type { IncomingMessage } from 'node:http';
import { OBSERVABILITY_OPTIONS, type ObservabilityOptions } from '../observability.options';
import { markOperationalRequest } from '../operational-requests';
import { ReadinessRegistry, type ReadinessProbe } from './readiness-registry';

export const DEFAULT_READINESS_TIMEOUT_MS = 2_000;

// No personal data: open to probes and scrapers, as an orchestrator and Prometheus expect.
@Public()
@Controller('health')
export class HealthController {
  private readonly timeoutMs: number;
  private readonly requiredProbes: readonly string[];

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: ReadinessRegistry,
    @Inject(OBSERVABILITY_OPTIONS) options: ObservabilityOptions,
  ) {
    this.timeoutMs = options.readiness?.timeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS;
    this.requiredProbes = options.readiness?.requiredProbes ?? [];
  }

  /** 200 while the process serves requests; the orchestrator restarts it otherwise. */
  @Get('live')
  @HealthCheck()
  live(@Req() req: IncomingMessage): Promise<HealthCheckResult> {
    markOperationalRequest(req);
    return this.health.check([]);
  }

  /** 200 only when every dependency answers in time; 503 naming those that did not. */
  @Get('ready')
  @HealthCheck()
  ready(@Req() req: IncomingMessage): Promise<HealthCheckResult> {
    markOperationalRequest(req);
    const probes = this.readiness.registered();
    const registeredNames = new Set(probes.map((probe) => probe.name));
    const missing = this.requiredProbes.filter((name) => !registeredNames.has(name));
    return this.health.check([
      ...missing.map((name) => this.missingIndicator(name)),
      ...probes.map((probe) => this.probeIndicator(probe)),
    ]);
  }

  private probeIndicator(probe: ReadinessProbe): HealthIndicatorFunction {
    return async (): Promise<HealthIndicatorResult> => {
      const session = this.indicators.check(probe.name);
      try {
        await withTimeout(probe.ping(), this.timeoutMs, probe.name);
        return session.up();
      } catch (error) {
        return session.down({ message: error instanceof Error ? error.message : String(error) });
      }
    };
  }

  // A probe that was never registered must not count as passing, or a wiring mistake looks ready.
  private missingIndicator(name: string): HealthIndicatorFunction {
    return async () => this.indicators.check(name).down({ message: 'no readiness probe registered' });
  }
}

async function withTimeout(ping: Promise<void>, timeoutMs: number, name: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
