/**
 * The fast lane's files: the pure rules (clocks, deadlines, scoring, contribution, incentives, the
 * what-if, policies and calendars, email templates, the payload codec), which start no server.
 * `npm run test:unit` runs them in seconds; `npm test` runs them first, then the main suite
 * (jest.config.js) without them, then the whole-stack tests (jest.stack.config.js).
 */
const UNIT_TESTS = [
  'shared/test/',
  'workflows/test/clocks.test.ts',
  'workflows/test/runOut.test.ts',
  'activities/test/freezeDay.test.ts',
  'runtime/test/payloadCodec.test.ts',
  'services/notifier/test/templates.test.ts',
];

module.exports = {
  /** For the fast lane's `testMatch`. */
  unitMatch: UNIT_TESTS.map((p) => (p.endsWith('/') ? `<rootDir>/${p}**/*.test.ts` : `<rootDir>/${p}`)),
  /** For the main suite's `testPathIgnorePatterns` (regular expressions). */
  unitIgnore: UNIT_TESTS.map((p) => `<rootDir>/${p.replace(/\./g, '\\.')}`),
};
