import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { InvalidPipelinesConfigError } from './pipelines';
import { DEFAULT_PIPELINES_PATH, loadPipelines } from './load-pipelines';

const directory = mkdtempSync(join(tmpdir(), 'pipelines-config-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const shipped = () => JSON.parse(readFileSync(DEFAULT_PIPELINES_PATH, 'utf8')) as Record<string, unknown>;

let files = 0;
/** A new file in the temporary directory holding `content` (an object is written as JSON). */
function fileWith(content: unknown): string {
  const path = join(directory, `pipelines-${++files}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('loadPipelines', () => {
  it('finds the shipped file by default, and loads it with the document as written', () => {
    expect(existsSync(DEFAULT_PIPELINES_PATH)).toBe(true);
    const loaded = loadPipelines(DEFAULT_PIPELINES_PATH);
    expect(loaded.path).toBe(DEFAULT_PIPELINES_PATH);
    expect(loaded.config.defaultPipeline).toBe('new-business');
    expect(loaded.config.pipelines.map(({ id }) => id)).toEqual(['new-business', 'renewal']);
    expect(loaded.document).toEqual(shipped());
  });

  it('loads another file', () => {
    const path = fileWith({ ...shipped(), version: '2027-01-1', defaultPipeline: 'renewal' });
    const loaded = loadPipelines(path);
    expect(loaded.path).toBe(path);
    expect(loaded.config.version).toBe('2027-01-1');
    expect(loaded.config.defaultPipeline).toBe('renewal');
  });

  it('names the file it cannot read', () => {
    const missing = join(directory, 'missing.json');
    expect(() => loadPipelines(missing)).toThrow(`pipelines config ${missing} cannot be read: ENOENT`);
    expect(() => loadPipelines(directory)).toThrow(`pipelines config ${directory} cannot be read: EISDIR`);
  });

  it('names the file that is not JSON', () => {
    const truncated = fileWith('{ "version": "1", ');
    expect(() => loadPipelines(truncated)).toThrow(`pipelines config ${truncated} is not JSON: `);
    const empty = fileWith('');
    expect(() => loadPipelines(empty)).toThrow(`pipelines config ${empty} is not JSON: `);
  });

  it('names the file that is invalid, and the rule', () => {
    const path = fileWith({ ...shipped(), defaultPipeline: 'upsell' });
    const load = () => loadPipelines(path);
    expect(load).toThrow(InvalidPipelinesConfigError);
    expect(load).toThrow(`${path}: defaultPipeline "upsell" is no pipeline (new-business, renewal)`);
  });

  it('refuses a file that is JSON but no object', () => {
    for (const content of ['null', '[]', '"new-business"']) {
      const path = fileWith(content);
      expect(() => loadPipelines(path)).toThrow(`${path}: the config must be an object`);
    }
  });
});
