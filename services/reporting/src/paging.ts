import { z } from 'zod';

// Lists answer a page at a time (`page`, `pageSize`), so that no request reads or sends an
// unbounded number of rows; the answer says how many there are in all (`total`). CSV exports are
// the exception: a file for Excel holds the whole list of its month (or backlog).

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;

export const pagingSchema = z.object({
  page: z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(1, 'must be 1 or more').default(1),
  pageSize: z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(1, 'must be 1 or more').max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`).default(DEFAULT_PAGE_SIZE),
});

export type Paging = z.output<typeof pagingSchema>;

/** Rows to skip in the database before the page. */
export const offset = ({ page, pageSize }: Paging): number => (page - 1) * pageSize;

/** The page of a list already in memory, with the paging fields of the answer. */
export function pageOf<T>(items: T[], paging: Paging): { page: number; pageSize: number; total: number; items: T[] } {
  return { page: paging.page, pageSize: paging.pageSize, total: items.length, items: items.slice(offset(paging), offset(paging) + paging.pageSize) };
}
