import { randomUUID } from 'node:crypto';
import type { CheckpointStore } from '../index';

/** The behaviour every CheckpointStore adapter must share. */
export function describeCheckpointStoreContract(
  adapter: string,
  openCheckpoints: () => Promise<{ checkpoints: CheckpointStore; close: () => Promise<void> }>,
): void {
  describe(`CheckpointStore contract: ${adapter}`, () => {
    let opened: { checkpoints: CheckpointStore; close: () => Promise<void> };

    beforeAll(async () => {
      opened = await openCheckpoints();
    });

    afterAll(async () => {
      if (opened) await opened.close();
    });

    it('knows no position for a subscriber that never saved one', async () => {
      await expect(opened.checkpoints.load(`relay-${randomUUID()}`)).resolves.toBeUndefined();
    });

    it('returns the last position saved, per name', async () => {
      const name = `relay-${randomUUID()}`;
      const other = `relay-${randomUUID()}`;

      await opened.checkpoints.save(name, 41n);
      await opened.checkpoints.save(name, 42n);
      await opened.checkpoints.save(other, 7n);

      await expect(opened.checkpoints.load(name)).resolves.toBe(42n);
      await expect(opened.checkpoints.load(other)).resolves.toBe(7n);
    });

    it('keeps positions wider than 64 bits, as packed EventStoreDB positions are', async () => {
      const name = `relay-${randomUUID()}`;
      const wide = (123_456_789n << 64n) | 123_456_000n;

      await opened.checkpoints.save(name, wide);

      await expect(opened.checkpoints.load(name)).resolves.toBe(wide);
    });
  });
}
