import { getJestProjectsAsync } from '@nx/jest';
import type { Config } from 'jest';

// One jest run over every project gives one summary for `npm test` and CI.
export default async (): Promise<Config> => ({
  projects: await getJestProjectsAsync(),
  reporters: ['default', '<rootDir>/tools/jest/summary-reporter.js'],
});
