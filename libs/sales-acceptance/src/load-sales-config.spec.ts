import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { InvalidQualificationConfigError } from './domain/qualification-frameworks';
import { InvalidSalesTeamConfigError } from './domain/sales-team';
import { DEFAULT_QUALIFICATION_PATH, DEFAULT_SALES_TEAM_PATH, loadSalesConfig } from './load-sales-config';

const directory = mkdtempSync(join(tmpdir(), 'sales-config-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const shippedTeam = () =>
  JSON.parse(readFileSync(DEFAULT_SALES_TEAM_PATH, 'utf8')) as Record<string, unknown>;
const shippedQualification = () =>
  JSON.parse(readFileSync(DEFAULT_QUALIFICATION_PATH, 'utf8')) as Record<string, unknown>;

let files = 0;
/** A new file in the temporary directory holding `content` (an object is written as JSON). */
function fileWith(content: unknown): string {
  const path = join(directory, `config-${++files}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('loadSalesConfig', () => {
  it('finds the shipped files by default, and loads them', () => {
    expect(existsSync(DEFAULT_SALES_TEAM_PATH)).toBe(true);
    expect(existsSync(DEFAULT_QUALIFICATION_PATH)).toBe(true);
    const loaded = loadSalesConfig({
      teamPath: DEFAULT_SALES_TEAM_PATH,
      qualificationPath: DEFAULT_QUALIFICATION_PATH,
    });
    expect(loaded.team.fallbackTeam).toBe('inbound-desk');
    expect(loaded.qualification.defaultFramework).toBe('bant');
    expect(loaded.teamDocument).toEqual(shippedTeam());
    expect(loaded.qualificationDocument).toEqual(shippedQualification());
  });

  it('loads other files, checking the qualification against the size bands of the team file', () => {
    const team = shippedTeam();
    team['sizeBands'] = [
      { id: 'startup', min: 1, max: 19 },
      { id: 'scale-up', min: 20 },
    ];
    // Every team takes every size, and no rep narrows by a band that is gone.
    team['teams'] = (team['teams'] as { reps: { id: string }[] }[]).map((entry) => ({
      ...entry,
      segments: '*',
      reps: entry.reps.map(({ id }) => ({ id })),
    }));
    const qualification = { ...shippedQualification(), bySegment: { startup: 'pain-interest-fit' } };
    const loaded = loadSalesConfig({ teamPath: fileWith(team), qualificationPath: fileWith(qualification) });
    expect(loaded.team.sizeBands.map(({ id }) => id)).toEqual(['startup', 'scale-up']);
    expect({ ...loaded.qualification.bySegment }).toEqual({ startup: 'pain-interest-fit' });
  });

  it('names the file it cannot read', () => {
    const missing = join(directory, 'missing.json');
    expect(() =>
      loadSalesConfig({ teamPath: missing, qualificationPath: DEFAULT_QUALIFICATION_PATH }),
    ).toThrow(`sales team config ${missing} cannot be read: ENOENT`);
    expect(() =>
      loadSalesConfig({ teamPath: DEFAULT_SALES_TEAM_PATH, qualificationPath: directory }),
    ).toThrow(`qualification config ${directory} cannot be read: EISDIR`);
  });

  it('names the file that is not JSON', () => {
    const teamPath = fileWith('{ "version": "1", ');
    expect(() => loadSalesConfig({ teamPath, qualificationPath: DEFAULT_QUALIFICATION_PATH })).toThrow(
      `sales team config ${teamPath} is not JSON: `,
    );
    const qualificationPath = fileWith('');
    expect(() => loadSalesConfig({ teamPath: DEFAULT_SALES_TEAM_PATH, qualificationPath })).toThrow(
      `qualification config ${qualificationPath} is not JSON: `,
    );
  });

  it('names the file that is invalid, and the rule', () => {
    const teamPath = fileWith({ ...shippedTeam(), fallbackTeam: 'nobody' });
    const loadTeam = () => loadSalesConfig({ teamPath, qualificationPath: DEFAULT_QUALIFICATION_PATH });
    expect(loadTeam).toThrow(InvalidSalesTeamConfigError);
    expect(loadTeam).toThrow(`${teamPath}: fallbackTeam "nobody" names no team`);

    const qualificationPath = fileWith({ ...shippedQualification(), bySegment: { startup: 'bant' } });
    const loadQualification = () => loadSalesConfig({ teamPath: DEFAULT_SALES_TEAM_PATH, qualificationPath });
    expect(loadQualification).toThrow(InvalidQualificationConfigError);
    expect(loadQualification).toThrow(
      `${qualificationPath}: bySegment.startup: "startup" is not a size band of the sales team config ` +
        '(smb, mid-market, enterprise)',
    );
  });

  it('refuses a file that is JSON but no object', () => {
    const teamPath = fileWith('null');
    expect(() => loadSalesConfig({ teamPath, qualificationPath: DEFAULT_QUALIFICATION_PATH })).toThrow(
      `${teamPath}: the config must be an object`,
    );
  });
});
