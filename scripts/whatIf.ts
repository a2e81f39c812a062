// `npm run -s cli -- what-if --policy proposed.json [--calendar 2026.json ...] --from 2026-07 --to 2026-09 [--out result.json]`:
// the policy what-if over the read model (MONGO_URL), as the dashboard's what-if page runs it. Prints
// the summary table, writes the full result as JSON. Nothing is written to the database.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { HttpError } from '@complaints/runtime';
import type { Models } from '@complaints/activities';
import { runWhatIf, type WhatIfResult } from '@complaints/reporting/src/whatIf';

export const WHAT_IF_USAGE = '  cli what-if --policy <changes.json> [--calendar <year.json> ...] --from <YYYY-MM> --to <YYYY-MM> [--out <result.json>]';

function readJson(option: string, file: string, fail: (message: string) => Error): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw fail(`--${option} ${file}: ${(error as Error).message}`);
  }
}

const yuan = (n: number) => n.toLocaleString('en-US');

/** The summary table: per month and region, the incentive money actual and proposed; then the dealers whose eligibility flips. */
export function whatIfTable(result: WhatIfResult): string {
  const s = result.summary;
  const lines = [
    `what-if ${result.from} … ${result.to}: ${s.complaints} complaints, ${s.complaintsChanged} with a fact changed (${Object.entries(s.factsChanged).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'})`,
    `${s.dealerMonths} dealer-months, ${s.eligibilityFlips} eligibility flips; incentive ${yuan(s.actualAmount)} → ${yuan(s.proposedAmount)} (${s.amountChange >= 0 ? '+' : ''}${yuan(s.amountChange)})`,
    '',
    ['month', 'region', 'eligible actual', 'eligible proposed', 'amount actual', 'amount proposed', 'change'].join('\t'),
    ...[...result.regions, ...result.network].map((r) => [r.month, r.region || 'network', `${r.actual.eligible}/${r.actual.dealers}`, `${r.proposed.eligible}/${r.proposed.dealers}`, r.actual.amountDue, r.proposed.amountDue, r.amountChange].join('\t')),
  ];
  const flips = result.dealers.filter((d) => d.eligibilityFlips);
  if (flips.length) {
    lines.push('', 'eligibility flips:', ...flips.map((d) => `${d.month}\t${d.dealerCode}\t${d.region}\t${d.actual.incentive.eligible ? 'eligible → not' : 'not → eligible'}\t${d.amountChange}`));
  }
  if (s.unexplained) lines.push('', `${s.unexplained} facts kept as recorded: their history does not explain them under the policy in force`);
  return lines.join('\n');
}

export async function whatIfCommand(args: string[], withDatabase: <T>(fn: (models: Models) => Promise<T>) => Promise<T>, fail: (message: string) => Error): Promise<void> {
  const { values } = parseArgs({ args, options: { policy: { type: 'string' }, calendar: { type: 'string', multiple: true }, from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' } }, strict: true });
  for (const name of ['policy', 'from', 'to'] as const) if (!values[name]) throw fail(`--${name} is required`);
  const policy = readJson('policy', values.policy!, fail);
  const calendars = (values.calendar ?? []).map((file) => readJson('calendar', file, fail));
  const out = values.out ?? `what-if-${values.from}-${values.to}.json`;
  let result: WhatIfResult;
  try {
    result = await withDatabase((models) =>
      runWhatIf(models, { from: values.from!, to: values.to!, policy: policy as Record<string, unknown>, calendars }, { onProgress: (done, total, month) => process.stderr.write(process.stderr.isTTY ? `\r${'█'.repeat(done)}${'░'.repeat(total - done)} ${done}/${total} ${month}${done === total ? '\n' : ''}` : `${month} done (${done}/${total})\n`) }),
    );
  } catch (error) {
    if (error instanceof HttpError) {
      // A field of the body is an option or a file here: from/to are --from/--to, policy.* is in --policy's file.
      const where = (path: string) => (path === 'from' || path === 'to' ? `--${path}` : path.startsWith('policy') ? `--policy ${values.policy}: ${path}` : path.startsWith('calendars') ? `--calendar: ${path}` : path);
      throw fail(`${error.message}:\n${(error.details ?? []).map((d) => `  - ${where(d.path)}: ${d.message}`).join('\n')}`);
    }
    throw error;
  }
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(whatIfTable(result));
  console.log(`\nfull result: ${out}`);
}
