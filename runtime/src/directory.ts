import path from 'node:path';
import { directorySchema, type Directory } from '@complaints/shared';
import { readJsonFile } from './rules';

export const DEMO_DIRECTORY_FILE = path.join(path.dirname(require.resolve('@complaints/shared/package.json')), 'directory/demo.json');

/** Reads and validates a directory file as a whole, naming each entry at fault. */
export const readDirectoryFile = (file: string): Directory => readJsonFile(file, directorySchema);
