import { createLogger, installTemporalLogging } from '@complaints/shared/runtime';

// Keep the SDK's worker chatter out of test output; errors still show.
installTemporalLogging(createLogger('temporal-sdk', 'error'), 'error');
