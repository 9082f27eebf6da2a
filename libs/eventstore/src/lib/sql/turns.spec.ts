import { describe, expect, it } from '@jest/globals';
import { asBulkWork, withWorkPriority } from '@leadledger/eventsourcing';
import { Turns } from './turns';

/** A piece of work that records when it ran and holds its turn for a few microtasks. */
function recorder() {
  const ran: string[] = [];
  let running = 0;
  let overlapped = false;
  const piece = (name: string) => async () => {
    running += 1;
    if (running > 1) overlapped = true;
    ran.push(name);
    for (let i = 0; i < 3; i++) await Promise.resolve();
    running -= 1;
    return name;
  };
  return { ran, piece, overlapped: () => overlapped };
}

describe('Turns', () => {
  it('runs one piece of work at a time, in arrival order within a priority', async () => {
    const turns = new Turns();
    const { ran, piece, overlapped } = recorder();
    const names = ['a', 'b', 'c', 'd'];
    expect(await asBulkWork(() => Promise.all(names.map((name) => turns.take(piece(name)))))).toEqual(names);
    expect(ran).toEqual(names);
    expect(overlapped()).toBe(false);
  });

  it('gives the next turn to interactive work queued after bulk work', async () => {
    const turns = new Turns();
    const { ran, piece } = recorder();
    const bulk = asBulkWork(() =>
      Promise.all(Array.from({ length: 20 }, (_, i) => turns.take(piece(`bulk ${i}`)))),
    );
    const interactive = withWorkPriority('interactive', () => turns.take(piece('request')));
    await Promise.all([bulk, interactive]);
    // The first bulk piece had its turn before the request queued; the request goes right after.
    expect(ran.indexOf('request')).toBeLessThanOrEqual(1);
  });

  it('reads a priority when it gives a turn, not when the work queued', async () => {
    const turns = new Turns();
    const { ran, piece } = recorder();
    let waitedFor = false;
    const queued = [
      asBulkWork(() => turns.take(piece('batch 1'))),
      asBulkWork(() => turns.take(piece('batch 2'))),
      withWorkPriority(
        () => (waitedFor ? 'interactive' : 'bulk'),
        () => turns.take(piece('projection')),
      ),
    ];
    waitedFor = true;
    await Promise.all(queued);
    expect(ran.indexOf('projection')).toBeLessThan(ran.indexOf('batch 2'));
  });

  it('lets the event loop turn between two pieces of work', async () => {
    const turns = new Turns();
    const { ran, piece } = recorder();
    const work = asBulkWork(() => Promise.all([turns.take(piece('first')), turns.take(piece('second'))]));
    setImmediate(() => ran.push('timer'));
    await work;
    expect(ran).toEqual(['first', 'timer', 'second']);
  });

  it('passes the turn on when a piece of work fails', async () => {
    const turns = new Turns();
    const failing = turns.take(async () => {
      throw new Error('refused');
    });
    const next = turns.take(async () => 'ran');
    await expect(failing).rejects.toThrow('refused');
    await expect(next).resolves.toBe('ran');
  });
});
