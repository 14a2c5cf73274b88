/** A month's books: its runs, the run that is its books, and whether (and on which run) it is closed. */
export interface MonthBooks<R> {
  month: string;
  runs: R[];
  /** The closed run once the month is closed, else the latest (SPEC §5). */
  booksRunId: number;
  closed: { runId: number; closedAt: string } | null;
}

/** Groups runs (oldest first) by month, in month order, each with its books run and close. */
export function booksByMonth<R extends { id: number; month: string }>(
  runs: readonly R[],
  closed: readonly { month: string; runId: number; closedAt: string }[],
): MonthBooks<R>[] {
  const months = [...new Set(runs.map((r) => r.month))].sort();
  return months.map((month) => {
    const own = runs.filter((r) => r.month === month);
    const close = closed.find((c) => c.month === month);
    return { month, runs: own, booksRunId: close?.runId ?? own[own.length - 1]!.id, closed: close ? { runId: close.runId, closedAt: close.closedAt } : null };
  });
}
