import { deliverBatch, type DeliverBatchOptions } from '../deliver-batch';
import type { IncomingMessage } from '../message-bus.port';

/**
 * Raised inside a delivery whose consumption is being stopped. The batch is then left uncommitted,
 * so the group hands it out again (Kafka: to the next owner of the partition).
 */
export class ConsumptionStoppedError extends Error {
  override readonly name = 'ConsumptionStoppedError';
}

/**
 * Lets Consumption.stop() end an in-flight delivery at its next safe point instead of waiting out
 * retries. The safe points are the ones deliverBatch already has: the heartbeat a handler calls
 * between slow steps, the back-off sleep between retries, and the dead-letter publish.
 */
export class StopSignal {
  private stopped = false;
  private readonly sleepers = new Set<() => void>();

  get isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    this.stopped = true;
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
  }

  throwIfStopped(): void {
    if (this.stopped)
      throw new ConsumptionStoppedError('the consumption was stopped before the batch was handled');
  }

  /** A back-off that ends early on stop; the heartbeat that follows it then ends the delivery. */
  sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}

/**
 * deliverBatch, abandoned at its next safe point once `signal` stops. Resolves true when every
 * message was handled or dead-lettered (commit), false when the delivery was abandoned (do not
 * commit). Nothing is dead-lettered while stopping: failures during shutdown are often caused by
 * the shutdown itself (a closed pool), and the message deserves another try after the restart.
 */
export async function deliverUnlessStopped(
  batch: readonly IncomingMessage[],
  signal: StopSignal,
  options: DeliverBatchOptions,
): Promise<boolean> {
  if (signal.isStopped) return false;
  try {
    await deliverBatch(batch, {
      ...options,
      context: {
        heartbeat: async () => {
          signal.throwIfStopped();
          await options.context.heartbeat();
        },
      },
      publishDeadLetters: async (deadLetters) => {
        signal.throwIfStopped();
        await options.publishDeadLetters(deadLetters);
      },
      sleep: (ms) => signal.sleep(ms),
    });
    return true;
  } catch (error) {
    if (error instanceof ConsumptionStoppedError) return false;
    throw error;
  }
}
