/**
 * A latch between "something may have changed" signals and a loop that waits for them. `arm()` before
 * looking; a `notify()` that lands between the look and `wait()` makes the wait return at once, so
 * no signal is lost to that race.
 */
export class Wakeup {
  private notified = false;
  private release?: () => void;

  arm(): void {
    this.notified = false;
  }

  notify(): void {
    this.notified = true;
    this.release?.();
  }

  /** Resolves on the next notification, or after `timeoutMs` at the latest. */
  wait(timeoutMs: number): Promise<void> {
    if (this.notified) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const release = () => done();
      this.release = release;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    }).then(() => {
      this.release = undefined;
    });
  }
}
