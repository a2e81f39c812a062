import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__testStack;
  if (!stack) return;
  await Promise.all(stack.processes.map((p) => p.stop()));
  // Keep the servers' logs when asked to (KEEP_TEST_STACK=1), e.g. to read why a test failed.
  if (process.env.KEEP_TEST_STACK === '1') console.log(`test stack kept in ${stack.dir}`);
  else rmSync(stack.dir, { recursive: true, force: true });
}
