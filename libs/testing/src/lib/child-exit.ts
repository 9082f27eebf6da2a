import type { ChildProcess } from 'node:child_process';

/** How a child process ended, and everything it printed. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Resolves when the child exits; call it right after spawning, so no output is missed. */
export function exitOf(child: ChildProcess): Promise<ChildExit> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.once('exit', (code, signal) => done({ code, signal, stdout, stderr })));
}
