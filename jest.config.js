const { unitIgnore } = require('./jest.lanes');

/** @type {import('jest').Config} */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];

module.exports = {
  testEnvironment: 'node',
  // openid-client and its own dependencies ship only ES modules, which jest's CommonJS runtime
  // cannot require on Node 20: compiled like the project's own code.
  transform: { '^.+\\.ts$': swc, '/node_modules/(openid-client|oauth4webapi|jose)/.+\\.js$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(openid-client|oauth4webapi|jose)/)'],
  testMatch: ['<rootDir>/**/test/**/*.test.ts'],
  // test/stack/ runs after, one file at a time (jest.stack.config.js); the pure rules run before,
  // in the fast lane (jest.unit.config.js).
  testPathIgnorePatterns: ['/node_modules/', '/.tools/', '/data/', '<rootDir>/test/stack/', ...unitIgnore],
  // Real servers for every suite: Temporal dev server, FerretDB and maildev on free ports with
  // temporary data folders, stopped afterwards even when tests fail (test/globalSetup.ts).
  globalSetup: '<rootDir>/test/globalSetup.ts',
  globalTeardown: '<rootDir>/test/globalTeardown.ts',
  setupFiles: ['<rootDir>/test/setupEach.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
