/**
 * Runs `work(i)` for i = 0 … count-1, at most `concurrency` at a time, started in order; resolves
 * with the results by index. The benches, the demo and the fault tests drive load through it.
 */
export async function inPool<R>(count: number, concurrency: number, work: (index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await work(index);
      }
    }),
  );
  return results;
}
