import { describe, expect, it } from '@jest/globals';
import { currentSnapshotSlot, nextSnapshotDue } from './weekly-snapshots';

describe('weekly forecast snapshots', () => {
  it('fall due on Monday 06:00 UTC after the last one', () => {
    expect(nextSnapshotDue(new Date('2026-12-04T16:57:00Z'))).toEqual(new Date('2026-12-07T06:00:00Z'));
    expect(nextSnapshotDue(new Date('2026-12-07T05:59:59Z'))).toEqual(new Date('2026-12-07T06:00:00Z'));
    expect(nextSnapshotDue(new Date('2026-12-07T06:00:00Z'))).toEqual(new Date('2026-12-14T06:00:00Z'));
  });

  it('belong to the latest Monday 06:00 at or before now', () => {
    expect(currentSnapshotSlot(new Date('2026-12-04T16:57:00Z'))).toEqual(new Date('2026-11-30T06:00:00Z'));
    expect(currentSnapshotSlot(new Date('2026-12-07T05:00:00Z'))).toEqual(new Date('2026-11-30T06:00:00Z'));
    expect(currentSnapshotSlot(new Date('2026-12-07T06:00:00Z'))).toEqual(new Date('2026-12-07T06:00:00Z'));
  });
});
