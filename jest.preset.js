const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  // A guard against hangs, not a speed assertion: integration specs talk to real services on a
  // 2-core machine that may be busy. Speed is measured by `npm run bench`.
  testTimeout: 30_000,
  // Unit specs, integration specs against real services, and cross-service e2e specs.
  testMatch: ['**/?(*.)+(spec|int-spec|e2e-spec).ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};
