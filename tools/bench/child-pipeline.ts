import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../..');
const TS_NODE = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];
const STARTUP_MS = 120_000;

/** The embedded pipeline in a process of its own, listening on 127.0.0.1 like `npm start`. */
export interface ChildPipeline {
  readonly pid: number;
  readonly baseUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts apps/pipeline/src/main.ts on PGlite in memory and waits until it answers /health/ready.
 * A real listening server over real sockets: supertest's in-process shortcut would share the
 * bench's event loop and hide exactly what these benches measure.
 */
export async function startChildPipeline(env: NodeJS.ProcessEnv = {}): Promise<ChildPipeline> {
  const port = await freePort();
  const child = spawnNode([...TS_NODE, join(REPO_ROOT, 'apps/pipeline/src/main.ts')], {
    EVENT_STORE: 'pglite://memory',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    HOST: '127.0.0.1',
    ...env,
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(child, async () => (await fetch(`${baseUrl}/health/ready`)).ok);
  return { pid: child.pid as number, baseUrl, stop: () => stop(child) };
}

/** A process with the same loader as the pipeline and nothing else: the floor under its RSS. */
export async function startBareTsNode(): Promise<{ readonly pid: number; stop(): Promise<void> }> {
  const child = spawnNode([...TS_NODE, '-e', 'setInterval(() => undefined, 60_000)'], {});
  await new Promise((done) => setTimeout(done, 3_000));
  return { pid: child.pid as number, stop: () => stop(child) };
}

/** Resident set size in MiB, as the kernel counts it (Linux). */
export function rssMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  return sortedMs[Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1)];
}

function spawnNode(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, TS_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.tools.json'), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // The bench failing must not leave a server behind.
  process.once('exit', () => child.kill('SIGKILL'));
  return child;
}

async function waitFor(child: ChildProcess, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + STARTUP_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the pipeline exited ${child.exitCode} while starting`);
    if (await ready().catch(() => false)) return;
    await new Promise((done) => setTimeout(done, 250));
  }
  child.kill('SIGKILL');
  throw new Error('the pipeline did not start in time');
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  return exited;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}
