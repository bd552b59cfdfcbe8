import type { components } from './generated/openapi.js';

type Problem = components['schemas']['Problem'];

/** An answer that is not 2xx, with the problem document vcq sent. */
export class VcqApiError extends Error {
  override name = 'VcqApiError';
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem> | undefined,
    message = problem?.detail ?? problem?.title ?? `HTTP ${status}`,
  ) {
    super(message);
  }
}
