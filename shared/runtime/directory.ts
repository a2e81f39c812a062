import path from 'node:path';
import { directorySchema, type Directory } from '../src/directory';
import { readJsonFile } from './rules';

export const DEMO_DIRECTORY_FILE = path.resolve(__dirname, '../directory/demo.json');

/** Reads and validates a directory file as a whole, naming each entry at fault. */
export const readDirectoryFile = (file: string): Directory => readJsonFile(file, directorySchema);
