import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * How urgent a piece of work is where a resource serves one piece at a time (the embedded store's
 * one connection): `interactive` is someone waiting on the answer (an HTTP request, a projection a
 * request waits to read), `bulk` is throughput work (a batch's items, consumers, projections nobody
 * waits for) that goes after it. Work is `bulk` unless started as interactive.
 */
export type WorkPriority = 'interactive' | 'bulk';

/** A priority read when it matters, not when the work started: a projection becomes urgent once waited for. */
export type PriorityReading = () => WorkPriority;

const priorities = new AsyncLocalStorage<PriorityReading>();

const always =
  (level: WorkPriority): PriorityReading =>
  () =>
    level;
const INTERACTIVE = always('interactive');
const BULK = always('bulk');

/** Runs `work`, and everything it starts, at `level`: fixed, or read afresh each time it is asked. */
export function withWorkPriority<T>(level: WorkPriority | PriorityReading, work: () => T): T {
  return priorities.run(typeof level === 'function' ? level : level === 'bulk' ? BULK : INTERACTIVE, work);
}

/** Runs `work`, and everything it starts, at `bulk` priority: a batch inside an interactive request. */
export function asBulkWork<T>(work: () => T): T {
  return withWorkPriority('bulk', work);
}

/** The priority of the work running now, as a reading to ask when a turn is given. */
export function currentWorkPriority(): PriorityReading {
  return priorities.getStore() ?? BULK;
}

/** Work done for several callers at once (a group commit) is as urgent as the most urgent of them. */
export function mostUrgent(readings: readonly PriorityReading[]): PriorityReading {
  return () => (readings.some((reading) => reading() === 'interactive') ? 'interactive' : 'bulk');
}
