import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseQualificationConfig, type QualificationConfig } from './domain/qualification-frameworks';
import { parseSalesTeamConfig, type SalesTeamConfig } from './domain/sales-team';

/** The configs in the repository. */
export const DEFAULT_SALES_TEAM_PATH = resolve(__dirname, '../../../config/sales-team.json');
export const DEFAULT_QUALIFICATION_PATH = resolve(__dirname, '../../../config/qualification.json');

export interface LoadedSalesConfig {
  readonly team: SalesTeamConfig;
  readonly qualification: QualificationConfig;
  /** The documents as written, for reading back over HTTP. */
  readonly teamDocument: unknown;
  readonly qualificationDocument: unknown;
}

/**
 * Reads and validates both files; every error names the file and, where it can, the rule. The team config
 * comes first: its size bands are the segments the qualification config may name.
 */
export function loadSalesConfig(paths: { teamPath: string; qualificationPath: string }): LoadedSalesConfig {
  const teamDocument = readJson('sales team config', paths.teamPath);
  const team = parseSalesTeamConfig(teamDocument, paths.teamPath);
  const qualificationDocument = readJson('qualification config', paths.qualificationPath);
  const qualification = parseQualificationConfig(
    qualificationDocument,
    paths.qualificationPath,
    team.sizeBands.map(({ id }) => id),
  );
  return { team, qualification, teamDocument, qualificationDocument };
}

function readJson(what: string, path: string): unknown {
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (error) {
    throw new Error(`${what} ${path} cannot be read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} ${path} is not JSON: ${(error as Error).message}`);
  }
}
