/** Time as the domain sees it; injected wherever time decides something (SLA, decay), so tests control it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
