import {
  type EventToAppend,
  type StreamAppend,
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
  const satisfied =
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'bigint' && current === expected);
  if (!satisfied) throw wrongExpectedRevision(streamId, expected, current);
}

/** The error of an append whose expectation the stream's current revision did not meet. */
export function wrongExpectedRevision(
  streamId: string,
  expected: ExpectedRevision,
  current: StreamRevision | undefined,
): WrongExpectedRevisionError {
  return new WrongExpectedRevisionError(streamId, expected, current ?? 'no_stream');
}

/** `assertAppendable` for each append, and no stream or event id twice across them. */
export function assertAppendableTogether(appends: readonly StreamAppend[]): void {
  if (appends.length === 0) throw new InvalidAppendError('a multi-stream append needs at least one stream');
  const streams = new Set<string>();
  const ids = new Set<string>();
  for (const { streamId, events } of appends) {
    assertAppendable(streamId, events);
    if (streams.has(streamId)) {
      throw new InvalidAppendError(`stream ${streamId} appears twice in one multi-stream append`);
    }
    streams.add(streamId);
    for (const event of events) {
      if (ids.has(event.id.toLowerCase())) {
        throw new InvalidAppendError(`event id ${event.id} appears twice in one multi-stream append`);
      }
      ids.add(event.id.toLowerCase());
    }
  }
}
