import { BACKWARDS, END, EventStoreDBClient, StreamNotFoundError, jsonEvent } from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { type CheckpointStore, type GlobalPosition } from '@leadledger/eventsourcing';

const CHECKPOINT_STORED = 'CheckpointStored';

/** One stream per checkpoint, trimmed by the server to its last event ($maxCount 1). */
export class EventStoreDbCheckpointStore implements CheckpointStore {
  private readonly trimmed = new Set<string>();

  constructor(private readonly client: EventStoreDBClient) {}

  async load(name: string): Promise<GlobalPosition | undefined> {
    try {
      for await (const resolved of this.client.readStream<{ type: string; data: { position: string } }>(
        streamOf(name),
        { direction: BACKWARDS, fromRevision: END, maxCount: 1 },
      )) {
        if (resolved.event) return BigInt(resolved.event.data.position);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
    return undefined;
  }

  async save(name: string, position: GlobalPosition): Promise<void> {
    const stream = streamOf(name);
    if (!this.trimmed.has(stream)) {
      await this.client.setStreamMetadata(stream, { maxCount: 1 });
      this.trimmed.add(stream);
    }
    await this.client.appendToStream(
      stream,
      jsonEvent({ id: randomUUID(), type: CHECKPOINT_STORED, data: { position: position.toString() } }),
    );
  }
}

function streamOf(name: string): string {
  return `leadledger-checkpoint-${name}`;
}
