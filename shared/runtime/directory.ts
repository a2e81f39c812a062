import { readFileSync } from 'node:fs';
import path from 'node:path';
import { directorySchema, type Directory } from '../src/directory';
import { RulesFileError } from './rules';

export const DEMO_DIRECTORY_FILE = path.resolve(__dirname, '../directory/demo.json');

/** Reads and validates a directory file as a whole, naming each entry at fault. */
export function readDirectoryFile(file: string): Directory {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new RulesFileError(file, [`not readable JSON: ${(error as Error).message}`]);
  }
  const result = directorySchema.safeParse(json);
  if (!result.success) throw new RulesFileError(file, result.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`));
  return result.data;
}
