import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parsePipelinesConfig, type PipelinesConfig } from './pipelines';

/** The config in the repository. */
export const DEFAULT_PIPELINES_PATH = resolve(__dirname, '../../../../../config/pipelines.json');

export interface LoadedPipelines {
  readonly config: PipelinesConfig;
  /** The document as written (`{ "requires": ... }`, `{ "evidence": ... }`), for reading back over HTTP. */
  readonly document: unknown;
  /** The file it came from. */
  readonly path: string;
}

/** Reads and validates the file; every error names the file and, where it can, the rule. */
export function loadPipelines(path: string): LoadedPipelines {
  const document = readJson(path);
  return { config: parsePipelinesConfig(document, path), document, path };
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (error) {
    throw new Error(`pipelines config ${path} cannot be read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`pipelines config ${path} is not JSON: ${(error as Error).message}`);
  }
}
