import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root, found from this file so tests run from any working directory. */
export const REPO_ROOT = resolve(__dirname, '../../../..');

/** Runs one of the repo's own infrastructure scripts (scripts/<name>.sh) and fails with its output. */
export async function runRepoScript(
  name: string,
  args: readonly string[],
  timeoutMs = 180_000,
): Promise<string> {
  try {
    const { stdout } = await run('bash', [resolve(REPO_ROOT, 'scripts', `${name}.sh`), ...args], {
      cwd: REPO_ROOT,
      timeout: timeoutMs,
    });
    return stdout;
  } catch (error) {
    const failure = error as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `scripts/${name}.sh ${args.join(' ')} failed: ${failure.message}\n${failure.stdout ?? ''}${failure.stderr ?? ''}`,
    );
  }
}
