import { createLogger, installTemporalLogging } from '@complaints/runtime';
import { TEST_PAYLOAD_KEYS } from './support';

// Keep the SDK's worker chatter out of test output; errors still show.
installTemporalLogging(createLogger('temporal-sdk', 'error'), 'error');

// The servers a test starts from its environment (LocalStack, npm start) encrypt with the tests' keys.
process.env.PAYLOAD_KEYS ??= TEST_PAYLOAD_KEYS.PAYLOAD_KEYS;
process.env.PAYLOAD_KEY_ID ??= TEST_PAYLOAD_KEYS.PAYLOAD_KEY_ID;
