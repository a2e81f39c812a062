import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { calendarYearSchema, policySchema, type CalendarYear, type Policy } from '@complaints/shared';

/** The calendars and default policy shipped with the product (shared/calendars, shared/policies), beside the domain code that validates them. */
const SHARED_DIR = path.dirname(require.resolve('@complaints/shared/package.json'));
export const CALENDARS_DIR = path.join(SHARED_DIR, 'calendars');
export const POLICIES_DIR = path.join(SHARED_DIR, 'policies');

export class RulesFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RulesFileError';
  }
}

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(file)'}: ${issue.message}`);
}

/** Parses and validates a JSON file as a whole: any problem refuses it, naming each entry at fault. */
export function readJsonFile<T>(file: string, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new RulesFileError(file, [`not readable JSON: ${(error as Error).message}`]);
  }
  const result = schema.safeParse(json);
  if (!result.success) throw new RulesFileError(file, formatIssues(result.error));
  return result.data;
}

export const readCalendarFile = (file: string): CalendarYear => readJsonFile(file, calendarYearSchema);
export const readPolicyFile = (file: string): Policy => readJsonFile(file, policySchema);

const jsonFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => path.join(dir, f));

export const shippedCalendars = (): CalendarYear[] => jsonFiles(CALENDARS_DIR).map(readCalendarFile);
export const shippedPolicies = (): Policy[] => jsonFiles(POLICIES_DIR).map(readPolicyFile);
