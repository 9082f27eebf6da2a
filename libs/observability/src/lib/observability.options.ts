import type { DestinationStream, LevelWithSilent } from 'pino';

export const OBSERVABILITY_OPTIONS = Symbol('OBSERVABILITY_OPTIONS');

export interface ReadinessOptions {
  /** A probe that has not answered by then counts as failing. Default 2000 ms. */
  readonly timeoutMs?: number;
  /**
   * Probe names the service is never ready without: until each is registered, readiness fails
   * naming it, so a forgotten registration cannot pass for a healthy dependency.
   */
  readonly requiredProbes?: readonly string[];
}

export interface ObservabilityOptions {
  /** Sets the `service` label on every metric and the `service` field on every log line. */
  readonly service: string;
  /** Default: the LOG_LEVEL environment variable, else `info`. */
  readonly logLevel?: LevelWithSilent;
  /** Where the JSON log lines go. Default: standard output. Tests pass a stream to read them. */
  readonly logDestination?: DestinationStream;
  readonly readiness?: ReadinessOptions;
}
