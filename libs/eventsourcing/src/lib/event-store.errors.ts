import type { ExpectedRevision, StreamRevision } from './event-store.port';

export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';

  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's last revision, or `no_stream` when it does not exist. */
    readonly actual: StreamRevision | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

/** Some event ids of an append are stored already (elsewhere, or not as this whole append): a writer bug, never retried away. */
export class EventIdConflictError extends Error {
  override readonly name = 'EventIdConflictError';

  constructor(
    readonly streamId: string,
    readonly eventIds: readonly string[],
    detail: string,
  ) {
    super(`stream ${streamId}: ${detail} (${eventIds.join(', ')})`);
  }
}

export class InvalidAppendError extends Error {
  override readonly name = 'InvalidAppendError';
}
