import {
  type EventToAppend,
  type ExpectedRevision,
  type StreamRevision,
  InvalidAppendError,
  WrongExpectedRevisionError,
} from '@leadledger/eventsourcing';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What every adapter refuses before touching storage, so all of them refuse the same things. */
export function assertAppendable(streamId: string, events: readonly EventToAppend[]): void {
  if (!streamId || streamId.startsWith('$')) {
    throw new InvalidAppendError(`invalid stream id "${streamId}": non-empty, not starting with $`);
  }
  if (events.length === 0)
    throw new InvalidAppendError(`stream ${streamId}: an append needs at least one event`);
  const ids = new Set<string>();
  for (const event of events) {
    if (!UUID.test(event.id))
      throw new InvalidAppendError(`stream ${streamId}: event id "${event.id}" is not a UUID`);
    if (!event.type) throw new InvalidAppendError(`stream ${streamId}: event ${event.id} has no type`);
    if (ids.has(event.id.toLowerCase())) {
      throw new InvalidAppendError(`stream ${streamId}: event id ${event.id} appears twice in one append`);
    }
    ids.add(event.id.toLowerCase());
  }
}

/** Throws unless the stream's current revision (`undefined`: no stream) satisfies the expectation. */
export function assertExpectedRevision(
  streamId: string,
  expected: ExpectedRevision,
  current: StreamRevision | undefined,
): void {
  const actual = current ?? 'no_stream';
  const satisfied =
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'bigint' && current === expected);
  if (!satisfied) throw new WrongExpectedRevisionError(streamId, expected, actual);
}
