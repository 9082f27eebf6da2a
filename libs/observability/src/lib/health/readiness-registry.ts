import { Injectable } from '@nestjs/common';

/** Something the service cannot do its work without: ready only while `ping` resolves. */
export interface ReadinessProbe {
  /** Names the dependency in the readiness response, e.g. "eventstore" or "message-bus". */
  readonly name: string;
  readonly ping: () => Promise<void>;
}

export class DuplicateReadinessProbeError extends Error {
  override readonly name = 'DuplicateReadinessProbeError';
}

/**
 * Where the providers that own a connection register its probe, typically in their factory or in
 * `onModuleInit`. A registry rather than a `forRoot` option because the event store and the bus are
 * providers of the app module, which a module it imports cannot inject; the registry is global and
 * every provider can inject it.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly probes = new Map<string, ReadinessProbe>();

  /** Returns a function that removes the probe again, for a dependency closed before shutdown. */
  register(probe: ReadinessProbe): () => void {
    if (this.probes.has(probe.name))
      throw new DuplicateReadinessProbeError(`a readiness probe named "${probe.name}" is already registered`);
    this.probes.set(probe.name, probe);
    return () => {
      if (this.probes.get(probe.name) === probe) this.probes.delete(probe.name);
    };
  }

  registered(): readonly ReadinessProbe[] {
    return [...this.probes.values()];
  }
}
