import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** The lock's file name inside the directory it guards. PGlite leaves files it does not know alone. */
export const LOCK_FILE_NAME = 'leadledger.lock';

export class DirectoryLockedError extends Error {
  override readonly name = 'DirectoryLockedError';

  constructor(
    readonly directory: string,
    readonly holderPid: number,
    detail = `process ${holderPid} holds it`,
  ) {
    super(
      `the data directory ${directory} is in use: ${detail}; stop that process, or use another directory`,
    );
  }
}

export interface DirectoryLock {
  readonly directory: string;
  release(): void;
}

interface LockContent {
  readonly pid: number;
  readonly hostname: string;
}

// Directories this process holds. The lock file cannot tell this process from a dead one that had
// the same pid (pid 1 in every container restart), so a second open within the process is caught here.
const heldByThisProcess = new Map<string, DirectoryLock>();
let releaseAllOnExit: (() => void) | undefined;

/**
 * Takes the exclusive lock of `directory` (created when missing) for this process, or throws
 * `DirectoryLockedError` naming the process that holds it.
 *
 * Why a pid file and a liveness check rather than flock: Node has no flock in core, and a native
 * module is a build dependency for one call. mkdir plus a refreshed mtime (proper-lockfile) needs a
 * timer forever and a staleness timeout to guess at; it mistakes a process stalled longer than the
 * timeout for a dead one. The pid of the holder answers "is it still alive?" exactly, at once,
 * including after kill -9 (which no exit handler sees): a lock whose process is gone is stale and
 * taken over. The file is created with O_EXCL, so of two processes starting together one wins.
 *
 * Limits: the check only sees processes of this host (the file records the host, and a lock from
 * another host is never taken over: a directory on a network share stays refused until removed by
 * hand); and a live process that reused a dead holder's pid keeps the directory refused until it ends.
 */
export function lockDirectory(directory: string): DirectoryLock {
  mkdirSync(directory, { recursive: true });
  // One lock per directory however it is spelled (./.data, .data, a symlink to it).
  const canonical = realpathSync(directory);
  if (heldByThisProcess.has(canonical))
    throw new DirectoryLockedError(
      canonical,
      process.pid,
      `this process (${process.pid}) has it open already`,
    );
  const lockPath = join(canonical, LOCK_FILE_NAME);

  // A few rounds: each lost race against another process taking over the same stale lock costs one.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(lockPath)) return hold(canonical, lockPath);
    const holder = readLock(lockPath);
    if (holder === undefined) {
      // Removed, or being written by its creator this very moment: look again shortly. Still
      // unreadable after that, it is the remains of a crash in the middle of writing it.
      if (attempt < 2) {
        pauseBriefly();
        continue;
      }
      takeOverStale(lockPath, undefined);
      continue;
    }
    if (holder.hostname !== hostname())
      throw new DirectoryLockedError(
        canonical,
        holder.pid,
        `process ${holder.pid} on host ${holder.hostname} holds it`,
      );
    if (holder.pid !== process.pid && isAlive(holder.pid))
      throw new DirectoryLockedError(canonical, holder.pid);
    takeOverStale(lockPath, holder.pid);
  }
  throw new DirectoryLockedError(canonical, readLock(lockPath)?.pid ?? 0, 'other processes keep taking it');
}

function tryCreate(lockPath: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    const content: LockContent = { pid: process.pid, hostname: hostname() };
    writeSync(fd, JSON.stringify(content));
  } finally {
    closeSync(fd);
  }
  return true;
}

function readLock(lockPath: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(lockPath, 'utf8')) as Partial<LockContent>;
    return typeof parsed.pid === 'number' && typeof parsed.hostname === 'string'
      ? { pid: parsed.pid, hostname: parsed.hostname }
      : undefined;
  } catch {
    return undefined;
  }
}

function pauseBriefly(): void {
  // Opening a store is synchronous up to here; 20 ms of blocking at startup costs nothing.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Moves the stale file aside rather than deleting it: a rename is atomic, so only one of several
 * processes taking over gets it, and the one that does can check it moved the dead holder's file
 * and not the fresh one of a process that won the takeover a moment before.
 */
function takeOverStale(lockPath: string, deadPid: number | undefined): void {
  const aside = `${lockPath}.stale-${process.pid}`;
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readLock(aside);
  if (moved !== undefined && moved.pid !== deadPid) {
    // A live winner's lock: put it back, and the next round finds it held.
    renameSync(aside, lockPath);
    return;
  }
  unlinkSync(aside);
}

function hold(directory: string, lockPath: string): DirectoryLock {
  let held = true;
  const lock: DirectoryLock = {
    directory,
    release: () => {
      if (!held) return;
      held = false;
      heldByThisProcess.delete(directory);
      try {
        unlinkSync(lockPath);
      } catch {
        // Already gone: nothing to release.
      }
    },
  };
  heldByThisProcess.set(directory, lock);
  if (!releaseAllOnExit) {
    // A clean exit removes the file; after a crash the liveness check finds the lock stale anyway.
    releaseAllOnExit = () => {
      for (const held of [...heldByThisProcess.values()]) held.release();
    };
    process.once('exit', releaseAllOnExit);
  }
  return lock;
}
