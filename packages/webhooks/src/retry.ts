/**
 * The delay before retry number `attemptsMade` (1-based: after the first failure it is
 * `schedule[0]`), or -1 once the schedule is used up, which BullMQ reads as "no retry".
 */
export function webhookRetryDelay(attemptsMade: number, schedule: readonly number[]): number {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) {
    throw new RangeError(`attemptsMade must be an integer >= 1, got ${attemptsMade}`);
  }
  return schedule[attemptsMade - 1] ?? -1;
}
