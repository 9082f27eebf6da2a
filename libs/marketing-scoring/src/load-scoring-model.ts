import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseScoringModel, type ScoringModel } from './domain';

/** The model in the repository; SCORING_MODEL (relative to the working directory) names another. */
export const DEFAULT_SCORING_MODEL_PATH = resolve(__dirname, '../../../config/scoring-model.json');

export interface LoadedScoringModel {
  readonly model: ScoringModel;
  /** The document as written, for GET /scoring-model. */
  readonly document: unknown;
  readonly path: string;
}

/** Reads and validates a model file; every error names the file and, where it can, the rule. */
export function loadScoringModel(path: string): LoadedScoringModel {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`scoring model ${path} cannot be read: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`scoring model ${path} is not JSON: ${(error as Error).message}`);
  }
  return { model: parseScoringModel(raw, path), document: raw, path };
}
