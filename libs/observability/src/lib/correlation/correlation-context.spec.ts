import {
  currentCorrelationId,
  isValidCorrelationId,
  resolveCorrelationId,
  runWithCorrelation,
} from './correlation-context';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('correlation context', () => {
  it('has no current id outside any work', () => {
    expect(currentCorrelationId()).toBeUndefined();
  });

  it('keeps the id across awaits, timers and nested promises', async () => {
    const seen = await runWithCorrelation('batch-42', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const fromTimer = await new Promise<string | undefined>((resolve) =>
        setImmediate(() => resolve(currentCorrelationId())),
      );
      return [currentCorrelationId(), fromTimer];
    });

    expect(seen).toEqual(['batch-42', 'batch-42']);
    expect(currentCorrelationId()).toBeUndefined();
  });

  it('keeps concurrent work apart', async () => {
    const work = (id: string, delayMs: number) =>
      runWithCorrelation(id, async () => {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        return currentCorrelationId();
      });

    expect(await Promise.all([work('first', 5), work('second', 1)])).toEqual(['first', 'second']);
  });

  it('lets nested work run under its own id and restores the outer one', () => {
    runWithCorrelation('outer', () => {
      runWithCorrelation('inner', () => expect(currentCorrelationId()).toBe('inner'));
      expect(currentCorrelationId()).toBe('outer');
    });
  });

  it.each([undefined, '', 'has space', 'line\nbreak', 'x'.repeat(129)])(
    'runs work given %j under a fresh UUID',
    (candidate) => {
      runWithCorrelation(candidate, () => expect(currentCorrelationId()).toMatch(UUID));
    },
  );

  it('returns what the work returns', () => {
    expect(runWithCorrelation('id-1', () => 42)).toBe(42);
  });
});

describe('isValidCorrelationId', () => {
  it.each(['a', 'abc-123', 'svc:req.7_x', 'A'.repeat(128), '3f0c8a2e-8a52-4d8e-9d52-0c1f5e2f7a11'])(
    'accepts %s',
    (id) => expect(isValidCorrelationId(id)).toBe(true),
  );

  it.each(['', 'A'.repeat(129), 'a b', 'a/b', 'é', '<x>', 42, undefined, ['a']])('refuses %j', (id) =>
    expect(isValidCorrelationId(id)).toBe(false),
  );
});

describe('resolveCorrelationId', () => {
  it('keeps a valid id and replaces anything else with a new UUID each time', () => {
    expect(resolveCorrelationId('keep-me')).toBe('keep-me');
    const first = resolveCorrelationId('bad id');
    expect(first).toMatch(UUID);
    expect(resolveCorrelationId(undefined)).not.toBe(first);
  });
});
