import { currentWorkPriority, type PriorityReading } from '@leadledger/eventsourcing';

/**
 * One piece of work at a time on a resource that can do only one (PGlite's single connection),
 * interactive work first: a statement of a single request goes before the statements a batch queued
 * earlier, so the request waits for the statement running now, not for the batch.
 *
 * The next piece is chosen one macrotask after the last ended. PGlite settles a statement's promise
 * as a microtask, so without that turn a caller awaiting statement after statement (a 1,000-lead
 * batch) would never let the event loop reach its I/O phase: no other request, not even
 * /health/live, would be read until it was done. The turn also lets the requests read in it queue
 * their statements before the choice is made. It costs microseconds when nothing waits.
 *
 * Bulk work waits as long as interactive work keeps coming; interactive work is what people wait
 * on, and its rate is bounded by the request rate limits.
 */
export class Turns {
  /** In arrival order; a priority is read when the next turn is given, not when the work queued. */
  private readonly waiting: Array<{ readonly priority: PriorityReading; readonly start: () => void }> = [];
  private running = false;
  private choosing = false;

  /** Runs `work` when its turn comes, at the priority of the calling context. */
  async take<T>(work: () => Promise<T>): Promise<T> {
    await new Promise<void>((start) => {
      this.waiting.push({ priority: currentWorkPriority(), start });
      this.chooseSoon();
    });
    try {
      return await work();
    } finally {
      this.running = false;
      this.chooseSoon();
    }
  }

  private chooseSoon(): void {
    if (this.running || this.choosing) return;
    this.choosing = true;
    setImmediate(() => {
      this.choosing = false;
      if (this.running) return;
      if (this.waiting.length === 0) return;
      const urgent = this.waiting.findIndex((work) => work.priority() === 'interactive');
      const [next] = this.waiting.splice(Math.max(urgent, 0), 1);
      this.running = true;
      next.start();
    });
  }
}
