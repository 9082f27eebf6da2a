import type { ProjectionRunner } from '@leadledger/projections';
import { ManagedProjections, type ReadModelDatabase } from './read-models';

describe('ManagedProjections', () => {
  it('does not start following when the application closed while it prepared the read models', async () => {
    let prepared!: () => void;
    const runner = {
      prepare: jest.fn(() => new Promise<void>((resolve) => (prepared = resolve))),
      start: jest.fn(),
      stop: jest.fn(async () => undefined),
    };
    const projections = new ManagedProjections(
      runner as unknown as ProjectionRunner,
      {} as ReadModelDatabase,
      'probe',
    );

    // A start that failed elsewhere closes the application before this bootstrap hook settled.
    const bootstrapping = projections.onApplicationBootstrap();
    await projections.onModuleDestroy();
    prepared();
    await bootstrapping;

    expect(runner.start).not.toHaveBeenCalled();
  });

  it('starts following once the read models are prepared', async () => {
    const runner = { prepare: jest.fn(async () => undefined), start: jest.fn(), stop: jest.fn() };
    const projections = new ManagedProjections(
      runner as unknown as ProjectionRunner,
      {} as ReadModelDatabase,
      'probe',
    );

    await projections.onApplicationBootstrap();

    expect(runner.prepare).toHaveBeenCalled();
    expect(runner.start).toHaveBeenCalled();
  });
});
