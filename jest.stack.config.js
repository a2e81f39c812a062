/**
 * The whole-stack tests (test/stack/): each starts the stack as `npm start` runs it, as processes, on
 * free ports, and breaks it (faults) or drives it in Chromium (end to end). They run one at a time,
 * after the main suite, so that their processes never compete with another test file for the cores.
 * @type {import('jest').Config}
 */
const main = require('./jest.config');

module.exports = {
  testEnvironment: 'node',
  transform: main.transform,
  transformIgnorePatterns: main.transformIgnorePatterns,
  testMatch: ['<rootDir>/test/stack/**/*.test.ts'],
  setupFiles: main.setupFiles,
  testTimeout: 300_000,
  maxWorkers: 1,
  // A failed fault test can leave a client's retry loop or a child process's pipe behind: the lane
  // still ends, with its failures, instead of holding CI until its time limit.
  forceExit: true,
};
