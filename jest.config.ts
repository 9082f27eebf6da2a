import { getJestProjectsAsync } from '@nx/jest';
import type { Config } from 'jest';

// One jest run over every project gives one summary for `npm test` and CI.
export default async (): Promise<Config> => ({
  projects: await getJestProjectsAsync(),
  reporters: ['default', '<rootDir>/tools/jest/summary-reporter.js'],
  // Global in a multi-project run (the projects' own value applies only to `nx test <project>`):
  // a guard against hangs on a busy 2-core machine, not a speed assertion.
  testTimeout: 30_000,
});
