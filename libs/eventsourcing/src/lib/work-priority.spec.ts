import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { asBulkWork, currentWorkPriority, mostUrgent, withWorkPriority } from './work-priority';

describe('work priority', () => {
  it('is bulk for work nobody started as interactive (boot, background loops)', () => {
    expect(currentWorkPriority()()).toBe('bulk');
  });

  it('follows interactive work through awaits and timers it starts', async () => {
    const seen = await withWorkPriority('interactive', async () => {
      await sleep(1);
      return new Promise((resolve) => setTimeout(() => resolve(currentWorkPriority()()), 1));
    });
    expect(seen).toBe('interactive');
    expect(currentWorkPriority()()).toBe('bulk');
  });

  it('lets a batch inside an interactive request run as bulk', async () => {
    const seen = await withWorkPriority('interactive', () => asBulkWork(async () => currentWorkPriority()()));
    expect(seen).toBe('bulk');
  });

  it('is read when asked, so work becomes urgent once someone waits for it', () => {
    let waiters = 0;
    const reading = withWorkPriority(
      () => (waiters > 0 ? 'interactive' : 'bulk'),
      () => currentWorkPriority(),
    );
    expect(reading()).toBe('bulk');
    waiters = 1;
    expect(reading()).toBe('interactive');
  });

  it('makes work done for several callers as urgent as the most urgent of them', () => {
    const bulk = asBulkWork(() => currentWorkPriority());
    const interactive = withWorkPriority('interactive', () => currentWorkPriority());
    expect(mostUrgent([bulk, bulk])()).toBe('bulk');
    expect(mostUrgent([bulk, interactive, bulk])()).toBe('interactive');
  });
});
