import type { JobStore } from '@vcq/db';
import type { Logger } from '@vcq/logger';
import type { JobContext } from './processor.js';

/** Builds a handler's context: a scoped logger and batched, fire-and-forget progress. */
export function createJobContext(args: {
  store: JobStore;
  logger: Logger;
  jobId: string;
  name: string;
  queue: string;
  attempt: number;
  mode: 'async' | 'sync';
  signal: AbortSignal;
  /** Told each progress value as it is reported (the engine's `job:progress` event). */
  onProgress?: (percent: number) => void;
}): JobContext {
  // Made on first use: most jobs log nothing at the default level, and binding a
  // child logger costs more than many a job's own work.
  let bound: Logger | undefined;
  const logger = () => {
    bound ??= args.logger.child({ queue: args.queue, jobId: args.jobId, jobName: args.name, attempt: args.attempt });
    return bound;
  };
  return {
    jobId: args.jobId,
    attempt: args.attempt,
    mode: args.mode,
    get log() {
      return logger();
    },
    signal: args.signal,
    progress(percent) {
      const value = Math.max(0, Math.min(100, Math.round(percent)));
      args.onProgress?.(value);
      // Progress is advisory: a lost write is overtaken by the next one or the outcome.
      args.store.progress(args.jobId, args.attempt, value).catch((error: unknown) => {
        logger().warn({ err: error }, 'progress write failed');
      });
    },
  };
}
