import { packPosition, unpackPosition } from './eventstoredb-event-store';

describe('EventStoreDB position packing', () => {
  it('round-trips a (commit, prepare) pair', () => {
    const position = { commit: 123_456_789_012n, prepare: 123_456_789_000n };

    expect(unpackPosition(packPosition(position))).toEqual(position);
  });

  it('orders packed positions as the pairs are ordered: by commit, then prepare', () => {
    const pairs = [
      { commit: 10n, prepare: 9n },
      { commit: 10n, prepare: 10n },
      { commit: 11n, prepare: 0n },
      { commit: 2n ** 63n - 1n, prepare: 2n ** 63n - 1n },
    ];

    const packed = pairs.map(packPosition);

    expect([...packed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(packed);
  });
});
