import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { TEST_ADMIN_KEY } from './credentials';

const REPO_ROOT = resolve(__dirname, '../../../..');
const TS_NODE = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];

/** The embedded pipeline (or one service) in a process of its own, listening on 127.0.0.1 as `npm start` does. */
export interface PipelineProcess {
  readonly pid: number;
  readonly baseUrl: string;
  /** Everything it printed so far, stdout and stderr (when started with `captureOutput`). */
  output(): string;
  /** Sends `signal` and resolves once the process is gone (SIGKILL: a crash, no clean-up). */
  kill(signal: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

export interface PipelineProcessOptions {
  /** Keep what it prints (for tests that read its logs); otherwise stdout is dropped and stderr shown. */
  readonly captureOutput?: boolean;
  readonly startupTimeoutMs?: number;
  /** Another service's entry point, relative to the repository, e.g. `apps/sales-acceptance/src/main.ts`. */
  readonly app?: string;
}

/**
 * Starts apps/pipeline/src/main.ts (PGlite in memory unless `env` says otherwise) and resolves once
 * it answers /health/ready. Real sockets, a real process: what a crash test kills and what a bench
 * measures, without sharing the caller's event loop.
 */
export async function startPipelineProcess(
  env: NodeJS.ProcessEnv = {},
  options: PipelineProcessOptions = {},
): Promise<PipelineProcess> {
  const port = await freePort();
  const printed: string[] = [];
  const child = spawn(
    process.execPath,
    [...TS_NODE, join(REPO_ROOT, options.app ?? 'apps/pipeline/src/main.ts')],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        TS_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.tools.json'),
        EVENT_STORE: 'pglite://memory',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        HOST: '127.0.0.1',
        LEADLEDGER_ADMIN_KEY: TEST_ADMIN_KEY,
        ...env,
      },
      stdio: [
        'ignore',
        options.captureOutput ? 'pipe' : 'ignore',
        options.captureOutput ? 'pipe' : 'inherit',
      ],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => printed.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => printed.push(chunk.toString('utf8')));
  // A failing caller must not leave a server behind.
  process.once('exit', () => child.kill('SIGKILL'));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startupTimeoutMs ?? 120_000);
  while (
    !(await fetch(`${baseUrl}/health/ready`)
      .then((response) => response.ok)
      .catch(() => false))
  ) {
    if (child.exitCode !== null) {
      throw new Error(
        `${options.app ?? 'the pipeline'} exited ${child.exitCode} while starting\n${printed.join('')}`,
      );
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the pipeline did not start in time\n${printed.join('')}`);
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  const kill = (signal: NodeJS.Signals) => terminate(child, signal);
  return {
    pid: child.pid as number,
    baseUrl,
    output: () => printed.join(''),
    kill,
    stop: () => kill('SIGTERM'),
  };
}

/** A port nothing listens on right now, on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill(signal);
  return exited;
}
