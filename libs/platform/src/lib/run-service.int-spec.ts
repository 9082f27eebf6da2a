import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exitOf, freePort } from '@leadledger/testing';

const REPO_ROOT = resolve(__dirname, '../../../..');
const PIPELINE_MAIN = join(REPO_ROOT, 'apps/pipeline/src/main.ts');
const STARTUP_MS = 90_000;

/** The pipeline as `npm start` runs it, in a process of its own, so its exit and stderr are real. */
function startPipeline(env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', PIPELINE_MAIN],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        TS_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.tools.json'),
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

async function waitUntilLive(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the pipeline exited ${child.exitCode} while starting`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/live`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error('the pipeline did not start in time');
}

/** promtool, found as scripts/check-prometheus-rules.sh finds it: on the PATH. */
function promtool(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

describe('runService', () => {
  describe('a store that cannot be opened', () => {
    it(
      'says why in one line on stderr and exits 1, without a stack',
      async () => {
        const result = await exitOf(startPipeline({ EVENT_STORE: 'postgres://nobody@127.0.0.1:1/x' }));

        expect({ code: result.code, signal: result.signal }).toEqual({ code: 1, signal: null });
        expect(result.stderr).toBe('pipeline cannot start: connect ECONNREFUSED 127.0.0.1:1\n');
        expect(result.stdout).not.toMatch(/\n\s+at /);
      },
      STARTUP_MS,
    );

    it(
      'names the folder and the pid holding a locked PGlite directory',
      async () => {
        const directory = mkdtempSync(join(tmpdir(), 'leadledger-locked-'));
        // This jest worker stands in for the other process: alive, on this host.
        writeFileSync(
          join(directory, 'leadledger.lock'),
          JSON.stringify({ pid: process.pid, hostname: hostname() }),
        );
        try {
          const result = await exitOf(startPipeline({ EVENT_STORE: `pglite://${directory}` }));

          expect(result.code).toBe(1);
          expect(result.stderr).toBe(
            `pipeline cannot start: the data directory ${directory} is in use: process ${process.pid} holds it; ` +
              'stop that process, or use another directory\n',
          );
        } finally {
          rmSync(directory, { recursive: true, force: true });
        }
      },
      STARTUP_MS,
    );
  });

  describe('a running pipeline', () => {
    let pipeline: ChildProcess;
    let port: number;

    beforeAll(async () => {
      port = await freePort();
      pipeline = startPipeline({ EVENT_STORE: 'pglite://memory', PORT: String(port), HOST: '' });
      await waitUntilLive(port, pipeline);
    }, STARTUP_MS);

    afterAll(() => {
      pipeline?.kill('SIGKILL');
    });

    it('listens on loopback only when HOST is not set', async () => {
      const external = Object.values(networkInterfaces())
        .flat()
        .find((address) => address && address.family === 'IPv4' && !address.internal);
      if (!external) return; // a machine with loopback only: nothing else to reach it by
      await expect(fetch(`http://${external.address}:${port}/health/live`)).rejects.toThrow();
    });

    it('serves /metrics that promtool check metrics accepts without a complaint', async () => {
      const promtoolPath = promtool();
      if (!promtoolPath) {
        // CI installs it (npm run lint:prometheus); elsewhere this check is skipped, loudly.
        if (process.env.CI === 'true') throw new Error('promtool is missing: run npm run lint:prometheus');
        console.warn('promtool is missing: /metrics not checked (npm run lint:prometheus installs it)');
        return;
      }
      const exposition = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

      const check = spawnSync(promtoolPath, ['check', 'metrics'], { input: exposition, encoding: 'utf8' });

      expect({ status: check.status, complaints: `${check.stdout}${check.stderr}` }).toEqual({
        status: 0,
        complaints: '',
      });
    });
  });
});
