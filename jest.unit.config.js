/**
 * The fast lane (`npm run test:unit`, jest.lanes.js): the pure rules, no server started.
 * @type {import('jest').Config}
 */
const main = require('./jest.config');
const { unitMatch } = require('./jest.lanes');

module.exports = {
  testEnvironment: 'node',
  transform: main.transform,
  transformIgnorePatterns: main.transformIgnorePatterns,
  testMatch: unitMatch,
  testPathIgnorePatterns: ['/node_modules/', '/.tools/', '/data/'],
  setupFiles: main.setupFiles,
};
