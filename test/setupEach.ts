import { createLogger, installTemporalLogging } from '@complaints/runtime';

// Keep the SDK's worker chatter out of test output; errors still show.
installTemporalLogging(createLogger('temporal-sdk', 'error'), 'error');
