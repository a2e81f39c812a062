import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, TSX_BIN } from '../scripts/lib/stack';

const run = promisify(execFile);

/**
 * Runs the ops CLI as `npm run -s cli -- …` does, with the given environment (`undefined` removes a
 * variable) and, if given, `input` on its standard input (a password, as an operator pipes it).
 */
export async function cli(args: string[], env: Record<string, string | undefined> = {}, input?: string) {
  const childEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  try {
    const running = run(TSX_BIN, [path.join(ROOT, 'scripts/cli.ts'), ...args], { cwd: ROOT, env: childEnv });
    running.child.stdin!.end(input ?? '');
    const { stdout, stderr } = await running;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
