import type { GlobalPosition } from './event-store.port';

/**
 * Where a subscriber (the relay, a projection without its own database) remembers the global
 * position it has fully handled, so a restart resumes right after it.
 */
export interface CheckpointStore {
  load(name: string): Promise<GlobalPosition | undefined>;
  save(name: string, position: GlobalPosition): Promise<void>;
}
