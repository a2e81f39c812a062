import { stringify } from 'csv-stringify/sync';

/** CSV for Excel: a BOM so that it reads UTF-8 (Chinese), CRLF lines, quoting where needed. */
export function csvWithBom(rows: (string | number | null | undefined)[][]): string {
  return `\ufeff${stringify(rows, { record_delimiter: '\r\n' })}`;
}
