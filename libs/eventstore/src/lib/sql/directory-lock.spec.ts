import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryLockedError, LOCK_FILE_NAME, lockDirectory } from './directory-lock';

// Far above any real pid_max (4,194,304 on Linux): never a live process.
const DEAD_PID = 2_000_000_000;

describe('lockDirectory', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'leadledger-lock-'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates the directory and records this process in the lock file', () => {
    const directory = join(root, 'data');
    const lock = lockDirectory(directory);

    expect(existsSync(join(directory, LOCK_FILE_NAME))).toBe(true);
    lock.release();
    expect(existsSync(join(directory, LOCK_FILE_NAME))).toBe(false);
  });

  it('refuses a second open in the same process, however the directory is spelled', () => {
    const directory = join(root, 'data');
    const lock = lockDirectory(directory);
    symlinkSync(directory, join(root, 'alias'));

    expect(() => lockDirectory(join(root, 'alias'))).toThrow(DirectoryLockedError);
    expect(() => lockDirectory(`${directory}/.`)).toThrow(/has it open already/);
    lock.release();
    lockDirectory(directory).release();
  });

  it('refuses a directory a live process of this host holds', () => {
    // The parent of the jest worker: alive for as long as the test runs.
    writeFileSync(join(root, LOCK_FILE_NAME), JSON.stringify({ pid: process.ppid, hostname: hostname() }));

    expect(() => lockDirectory(root)).toThrow(new DirectoryLockedError(root, process.ppid));
    expect(() => lockDirectory(root)).toThrow(new RegExp(`${root}.*process ${process.ppid} holds it`));
  });

  it('takes over the lock of a process that is gone', () => {
    writeFileSync(join(root, LOCK_FILE_NAME), JSON.stringify({ pid: DEAD_PID, hostname: hostname() }));

    lockDirectory(root).release();
  });

  it('takes over a lock file left half-written by a crash', () => {
    writeFileSync(join(root, LOCK_FILE_NAME), '{"pid": 12');

    lockDirectory(root).release();
  });

  it('never takes over a lock recorded by another host, whose processes it cannot see', () => {
    writeFileSync(join(root, LOCK_FILE_NAME), JSON.stringify({ pid: DEAD_PID, hostname: 'elsewhere' }));

    expect(() => lockDirectory(root)).toThrow(/on host elsewhere holds it/);
  });
});
