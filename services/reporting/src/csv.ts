import type { Response } from 'express';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';

/** `format=json` (the default) or `format=csv`: every report answers in both. */
export const formatSchema = z.enum(['json', 'csv']).default('json');

/** CSV for Excel: a BOM so that it reads UTF-8 (Chinese), CRLF lines, quoting where needed. */
export function csvWithBom(rows: (string | number | null | undefined)[][]): string {
  return `\ufeff${stringify(rows, { record_delimiter: '\r\n' })}`;
}

/** Answers with a CSV file for download, named `<name>.csv`. */
export function sendCsv(res: Response, name: string, rows: (string | number | null | undefined)[][]) {
  res.type('text/csv; charset=utf-8').set('content-disposition', `attachment; filename="${name}.csv"`).send(csvWithBom(rows));
}
