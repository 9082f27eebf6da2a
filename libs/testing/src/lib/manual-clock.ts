import type { Clock } from '@leadledger/contracts';

/** A clock a test moves by hand: due times, SLAs and decay without waiting. */
export class ManualClock implements Clock {
  constructor(private current: Date) {}

  now(): Date {
    return new Date(this.current);
  }

  set(to: Date): void {
    this.current = to;
  }
}
