import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exitOf } from '@leadledger/testing';

const FIXTURE = resolve(__dirname, 'fixtures/pglite-directory-user.ts');
const REPO_ROOT = resolve(__dirname, '../../../../..');

function start(mode: 'hold' | 'read', directory: string): ChildProcess {
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', FIXTURE, mode, directory], {
    cwd: REPO_ROOT,
    env: { ...process.env, TS_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.tools.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((done, fail) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) done();
    });
    child.once('exit', (code) => fail(new Error(`holder exited ${code} before it was ready: ${stderr}`)));
  });
}

/** Two real processes on one PGlite directory: the second must be refused, not silently diverge. */
describe('a PGlite directory is open in one process at a time', () => {
  let directory: string;
  let holder: ChildProcess | undefined;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'leadledger-pglite-lock-'));
  });

  afterEach(() => {
    if (holder?.exitCode === null) holder.kill('SIGKILL');
    holder = undefined;
    rmSync(directory, { recursive: true, force: true });
  });

  it('refuses a second process, naming the directory and the pid holding it', async () => {
    holder = start('hold', directory);
    await ready(holder);

    const second = await exitOf(start('read', directory));

    expect(second.code).toBe(1);
    expect(second.stderr).toContain(directory);
    expect(second.stderr).toContain(`process ${holder.pid} holds it`);
  }, 60_000);

  it('opens again after the holder is killed with SIGKILL, and finds its acknowledged write', async () => {
    holder = start('hold', directory);
    await ready(holder);
    const killed = exitOf(holder);
    holder.kill('SIGKILL');
    await killed;

    const next = await exitOf(start('read', directory));

    expect(next).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(next.stdout)).toEqual([holder.pid]);
  }, 60_000);

  it('opens again after the holder closed it', async () => {
    const first = await exitOf(start('read', directory));
    const second = await exitOf(start('read', directory));

    expect([first.code, second.code]).toEqual([0, 0]);
  }, 60_000);
});
