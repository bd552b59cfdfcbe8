/**
 * Accepting work: commit the row, then hand it to Redis (invariant 1); when Redis is
 * down, run the handler inside the request instead (invariant 6).
 */
import { randomUUID } from 'node:crypto';
import type { JobRecord, JobStore } from '@vcq/db';
import { UnavailableError, ValidationError, describeError, isPermanent } from '@vcq/errors';
import type { Logger } from '@vcq/logger';
import { jobCatalog, type JobData, type JobName, type JobResult } from './catalog.js';
import { createJobContext } from './context.js';
import type { Handlers } from './processor.js';
import type { QueueSet } from './queues.js';

export type Submission<N extends JobName> =
  | { mode: 'async'; job: JobRecord }
  | { mode: 'sync'; job: JobRecord; result: JobResult<N> };

export interface JobPlatformOptions {
  store: JobStore;
  /** null when no queue backend is configured at all: every job runs synchronously. */
  queues: QueueSet | null;
  handlers: Handlers;
  logger: Logger;
  fallbackMode: 'sync' | 'reject';
}

export class JobPlatform {
  constructor(private readonly options: JobPlatformOptions) {}

  get store(): JobStore {
    return this.options.store;
  }

  /** Whether new jobs would be queued (true) or run in the request (false). */
  isQueueAvailable(): boolean {
    return this.options.queues?.isAvailable() ?? false;
  }

  /**
   * Validates and accepts a job. Async: the row is committed before the add, and an
   * add that fails after the commit is left to the reconciler (the job is accepted).
   * Sync: the handler runs now; its outcome is stored and returned (or thrown).
   */
  async submit<N extends JobName>(name: N, input: unknown, options: { signal?: AbortSignal } = {}): Promise<Submission<N>> {
    const def = jobCatalog[name];
    const parsed = def.schema.safeParse(input);
    if (!parsed.success) {
      throw new ValidationError(
        `invalid ${name} job data`,
        parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })),
      );
    }
    const data = parsed.data as JobData<N>;
    const { queues, store, logger } = this.options;
    const id = randomUUID();

    if (queues?.isAvailable()) {
      const job = await store.create({ id, queue: def.queue, name: def.name, data, mode: 'async', maxAttempts: queues.jobOptions(name).attempts });
      try {
        await queues.add(name, id, data);
      } catch (error) {
        logger.warn({ jobId: id, queue: def.queue, err: describeError(error).message }, 'enqueue failed after commit; the reconciler will re-add the job');
      }
      return { mode: 'async', job };
    }

    if (this.options.fallbackMode === 'reject') {
      throw new UnavailableError('the job queue is unavailable; try again shortly', { extensions: { retryAfter: 5 } });
    }
    return this.runSync(name, id, data, options.signal);
  }

  private async runSync<N extends JobName>(name: N, id: string, data: JobData<N>, signal?: AbortSignal): Promise<Submission<N>> {
    const def = jobCatalog[name];
    const { store, logger, handlers } = this.options;
    await store.create({ id, queue: def.queue, name: def.name, data, mode: 'sync', maxAttempts: 1 });
    const ctx = createJobContext({ store, logger, jobId: id, name, queue: def.queue, attempt: 1, mode: 'sync', signal: signal ?? new AbortController().signal });
    ctx.log.info('redis unavailable; running job synchronously');
    const handler = handlers[name] as (d: JobData<N>, c: typeof ctx) => Promise<JobResult<N>>;
    try {
      const result = await handler(data, ctx);
      await store.completed(id, 1, result);
      const job = (await store.get(id)) as JobRecord;
      return { mode: 'sync', job, result };
    } catch (error) {
      await store.failed(id, 1, describeError(error), true);
      ctx.log.warn({ err: describeError(error), permanent: isPermanent(error) }, 'synchronous job failed');
      throw error;
    }
  }
}
