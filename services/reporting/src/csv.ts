import type { Response } from 'express';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';

/** `format=json` (the default) or `format=csv`: every report answers in both. */
export const formatSchema = z.enum(['json', 'csv']).default('json');

// What Excel (and LibreOffice) take for the start of a formula: =, +, -, @, and a tab or carriage
// return, which they skip before one. Text from outside (a dealer's name, a reason staff typed) must never run as
// a formula on the coordinator's or finance's machine: it gets a leading apostrophe, which shows it
// as the text it is (OWASP, CSV injection).
const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell that would start a formula, as text; numbers stay numbers. */
function asText(cell: string | number | null | undefined): string | number | null | undefined {
  return typeof cell === 'string' && FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/**
 * CSV for Excel: a BOM so that it reads UTF-8 (Chinese), CRLF lines, quoting where needed (a cell
 * of several lines too, which would otherwise split its row), no formula cells.
 */
export function csvWithBom(rows: (string | number | null | undefined)[][]): string {
  return `\ufeff${stringify(rows.map((row) => row.map(asText)), { record_delimiter: '\r\n', quoted_match: /[\r\n]/ })}`;
}

/** Answers with a CSV file for download, named `<name>.csv`. */
export function sendCsv(res: Response, name: string, rows: (string | number | null | undefined)[][]) {
  res.type('text/csv; charset=utf-8').set('content-disposition', `attachment; filename="${name}.csv"`).send(csvWithBom(rows));
}
