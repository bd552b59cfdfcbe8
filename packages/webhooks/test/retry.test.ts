import { describe, expect, it } from 'vitest';
import { webhookRetryDelay } from '../src/index.js';

const SCHEDULE = [60_000, 300_000, 900_000, 3_600_000, 21_600_000];

describe('webhookRetryDelay', () => {
  it('when attempts fail one after another, then the delays follow the schedule and end with -1', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => webhookRetryDelay(n, SCHEDULE));
    expect(delays).toEqual([60_000, 300_000, 900_000, 3_600_000, 21_600_000, -1, -1]);
  });

  it('when the schedule is empty, then there is no retry at all', () => {
    expect(webhookRetryDelay(1, [])).toBe(-1);
  });

  it('when attemptsMade is not a positive integer, then it throws', () => {
    expect(() => webhookRetryDelay(0, SCHEDULE)).toThrow(RangeError);
    expect(() => webhookRetryDelay(1.5, SCHEDULE)).toThrow(RangeError);
  });
});
