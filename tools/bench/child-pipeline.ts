import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ADMIN_HEADERS, startPipelineProcess, type PipelineProcess } from '@leadledger/testing';

const REPO_ROOT = resolve(__dirname, '../..');

/**
 * The embedded pipeline in a process of its own: supertest's in-process shortcut would share the
 * bench's event loop and hide exactly what these benches measure.
 */
export function startChildPipeline(env: NodeJS.ProcessEnv = {}): Promise<PipelineProcess> {
  return startPipelineProcess(env);
}

/** A process with the same loader as the pipeline and nothing else: the floor under its RSS. */
export async function startBareTsNode(): Promise<{ readonly pid: number; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      '-e',
      'setInterval(() => undefined, 60_000)',
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, TS_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.tools.json') },
      stdio: 'ignore',
    },
  );
  process.once('exit', () => child.kill('SIGKILL'));
  await new Promise((done) => setTimeout(done, 3_000));
  return {
    pid: child.pid as number,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
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

/** A fresh ingest key of the pipeline: benches send what an integration sends, rate limit included. */
export async function ingestKeyOf(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/admin/api-keys`, {
    method: 'POST',
    headers: { ...ADMIN_HEADERS, 'Content-Type': 'application/json' },
    body: JSON.stringify({ role: 'ingest', principal: 'bench' }),
  });
  if (response.status !== 201) throw new Error(`POST /admin/api-keys answered ${response.status}`);
  return ((await response.json()) as { key: string }).key;
}
