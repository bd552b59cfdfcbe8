/**
 * Accepting work: commit the row, then hand it to Redis (invariant 1); when Redis is
 * down, run the handler inside the request instead (invariant 6).
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_ORGANIZATION } from '@vcq/config';
import { DuplicateJobError, isDatabaseUnavailable, type JobRecord, type JobStore, type NewJob } from '@vcq/db';
import { AppError, type FieldError, UnavailableError, ValidationError, describeError, fieldErrorsFromZod, isPermanent } from '@vcq/errors';
import type { Logger } from '@vcq/logger';
import { attemptsOf, type Catalog, type CatalogEntry, type EntryData, type EntryName, type Handlers } from './catalog.js';
import { createJobContext } from './context.js';
import type { QueueSet } from './queues.js';
import { takeOver } from './reconciler.js';
import { addFromRow } from './redelivery.js';
import { isOutOfMemory } from './redis.js';

export type Submission<T = unknown> =
  | { mode: 'async'; job: JobRecord; /** true when an earlier submission with the same id is returned */ replayed?: boolean }
  | { mode: 'sync'; job: JobRecord; result: T };

/** What each entry's handler returns, by entry. */
export type ResultsOf<C extends Catalog> = { [N in keyof C]: unknown };

/** What a job ended with, as its finished-hook sees it. */
export type JobOutcome = { status: 'completed'; result: unknown } | { status: 'failed'; error: { code: string; message: string } };

/**
 * Runs after a job's outcome is committed (webhook callbacks). It must be
 * idempotent: a retried or duplicated job may report the same outcome again.
 */
export type FinishedHook = (job: { id: string; /** its catalog entry */ name: string; data: unknown }, outcome: JobOutcome) => Promise<void>;

export interface JobPlatformOptions<C extends Catalog, R extends ResultsOf<C>> {
  catalog: C;
  store: JobStore;
  /** null when no queue backend is configured at all: every job runs synchronously. */
  queues: QueueSet<C> | null;
  handlers: Handlers<C, R>;
  logger: Logger;
  fallbackMode: 'sync' | 'reject';
  /** Refuses a job's outbound destinations (`callbackUrl`, `manifestUri`) at submit time (throws ValidationError). */
  checkDestinations?: (data: Record<string, unknown>) => Promise<void>;
  onFinished?: FinishedHook;
  /** How long a synchronous run's lease lasts without renewal (SYNC_LEASE_MS); it is renewed every third of that. */
  syncLeaseMs?: number;
  /** The most attempts a submission may ask for (MAX_JOB_ATTEMPTS); unbounded when not given. */
  maxJobAttempts?: number;
}

/**
 * A job's own options, as its submitter asked: they override its catalog entry's and
 * are stored on its row, so a job re-added from the row keeps them.
 */
export interface JobOptions {
  /** BullMQ priority: lower runs first (see `Priority`). */
  priority?: number;
  /** Not to start before this many ms from now. */
  delayMs?: number;
  /** Not to start before this time (instead of `delayMs`). */
  runAt?: Date;
  /** Attempts in all, at most `maxJobAttempts`. */
  attempts?: number;
}

/** SYNC_LEASE_MS's default. */
export const DEFAULT_SYNC_LEASE_MS = 30_000;

/** Whose job it is: recorded on the row and carried in the job's data for its handler. */
export interface JobOwner {
  organizationId: string;
  userId?: string;
}

export interface SubmitOptions {
  /** Aborts a synchronous run when the client goes away. */
  signal?: AbortSignal;
  /** A caller-chosen id: submitting the same id again returns the existing job. */
  id?: string;
  /** The default organization when not given (vcq's own jobs, tests). */
  owner?: JobOwner;
  /** Run it in this process now, queue or no queue (an operator waiting on the answer). */
  inline?: boolean;
  /** With the queue down, run it here even when FALLBACK_MODE is `reject` (vcq's own work). */
  runHereIfDown?: boolean;
  /** The job's own priority, start time and attempts. */
  job?: JobOptions;
}

/** What a batch is submitted with (see JobPlatform.submitBatch). */
export interface BatchOptions {
  /** The most items a batch may hold (BATCH_MAX_ITEMS). */
  maxItems: number;
  /** Where a child is polled: its id is appended (`/api/verification-jobs/`). */
  pollBase: string;
  /** The batch's one webhook, sent when every child has ended. */
  callbackUrl?: string;
  owner?: JobOwner;
  /** How an item's field is named in a 400 (`items.3.manifestURI` by default). */
  fieldOf?: (index: number, field: string) => string;
  /** The route's own check of one parsed item (a ValidationError's fields are named as the item's). */
  checkItem?: (data: Record<string, unknown>) => void;
  /** A caller-chosen parent id (Idempotency-Key): the same batch again returns the first one, a different one is 409. */
  id?: string;
  /** Job options (priority, delay or runAt, attempts), the same for every child. */
  job?: JobOptions;
}

/** A committed batch: its parent row and its children's, in order. */
export interface BatchSubmission {
  parent: JobRecord;
  children: JobRecord[];
  /** true when an earlier submission with the same id is returned */
  replayed?: boolean;
}

/** What a batch's parent row carries as its data. */
export interface BatchData {
  /** The catalog entry every child runs. */
  childKind: string;
  total: number;
  pollBase: string;
  callbackUrl?: string;
  organizationId: string;
  userId?: string;
}

/** A batch whose items are more than BATCH_MAX_ITEMS, or none. */
export class BatchSizeError extends AppError {
  override name = 'BatchSizeError';
  constructor(message: string, field = 'items') {
    super('batch_too_large', 400, message, { errors: [{ field, message }] });
  }
}

const defaultFieldOf = (index: number, field: string) => (field ? `items.${index}.${field}` : `items.${index}`);

/** The job's data with its owner's fields set from `owner`, whatever the input said. */
function withOwner<T extends object>(data: T, owner: JobOwner): T & { organizationId: string; userId?: string } {
  const { userId: _, ...rest } = data as T & { userId?: string };
  return { ...(rest as T), organizationId: owner.organizationId, ...(owner.userId !== undefined ? { userId: owner.userId } : {}) };
}

/** The owner columns of a job row. */
const rowOwner = (owner: JobOwner) => ({ organizationId: owner.organizationId, userId: owner.userId ?? null });

/** The row id exists already (the store's DuplicateJobError, or Prisma's P2002). */
function isUniqueViolation(error: unknown): boolean {
  return error instanceof DuplicateJobError || (error as { code?: string }).code === 'P2002';
}

/**
 * Renews a sync run's lease every third of its length while the run lives; a process
 * that dies stops renewing, and the reconciler takes the row over once it expires.
 */
function keepLease(store: JobStore, id: string, leaseMs: number, logger: Logger): { stop(): void } {
  const timer = setInterval(() => {
    store.renewLease(id, leaseMs).catch((error: unknown) => logger.warn({ jobId: id, err: error }, 'sync run lease renewal failed'));
  }, Math.max(1, Math.floor(leaseMs / 3)));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** JSON with sorted keys, so jsonb's reordering doesn't make equal data look different. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/** An earlier submission under the same id: the same job if it asked for the same thing, else 409. */
function replay<T>(existing: JobRecord, kind: string, data: unknown): Submission<T> {
  if (existing.kind !== kind || canonical(existing.data) !== canonical(data)) {
    throw new AppError('idempotency_conflict', 409, 'this Idempotency-Key was already used with a different request');
  }
  return { mode: 'async', job: existing, replayed: true };
}

export class JobPlatform<C extends Catalog = Catalog, R extends ResultsOf<C> = ResultsOf<C>> {
  constructor(private readonly options: JobPlatformOptions<C, R>) {}

  get store(): JobStore {
    return this.options.store;
  }

  get catalog(): C {
    return this.options.catalog;
  }

  get handlers(): Handlers<C, R> {
    return this.options.handlers;
  }

  get queues(): QueueSet<C> | null {
    return this.options.queues;
  }

  /** The hook the worker runs after each committed outcome. */
  get finishedHook(): FinishedHook | undefined {
    return this.options.onFinished;
  }

  /**
   * Refuses, with a 400 naming the field, job data whose outbound destinations the
   * egress policy would refuse; `submit` calls it, and so do routes that run a handler
   * without a job (the legacy synchronous verification routes).
   */
  async checkDestinations(data: unknown): Promise<void> {
    if (this.options.checkDestinations && data !== null && typeof data === 'object') await this.options.checkDestinations(data as Record<string, unknown>);
  }

  /** Whether new jobs would be queued (true) or run in the request (false). */
  isQueueAvailable(): boolean {
    return this.options.queues?.isAvailable() ?? false;
  }

  /**
   * Validates and accepts a job. Async: the row is committed before the add, and an
   * add that fails after the commit is left to the reconciler (the job is accepted),
   * unless Redis refused it for want of memory: then the row is withdrawn and the job
   * runs synchronously (or is refused with 503), as with Redis down.
   * Sync: the handler runs now; its outcome is stored and returned (or thrown).
   */
  async submit<N extends EntryName<C>>(name: N, input: unknown, options: SubmitOptions = {}): Promise<Submission<R[N]>> {
    const def = this.entry(name);
    const parsed = def.schema.safeParse(input);
    if (!parsed.success) {
      throw ValidationError.fromZod(parsed.error, `invalid ${name} job data`);
    }
    const owner = options.owner ?? { organizationId: DEFAULT_ORGANIZATION };
    // `batchId` is the platform's to set, and only on a batch's children (submitBatch).
    const { batchId: _, ...own } = parsed.data as { batchId?: unknown };
    const data = withOwner(own, owner) as EntryData<C, N>;
    await this.checkDestinations(data);
    const plan = this.plan(def, options.job);
    const { queues, store, logger } = this.options;
    const id = options.id ?? randomUUID();
    if (options.id) {
      const existing = await store.get(options.id);
      if (existing) return this.replayed(replay(existing, name, data));
    }
    // A job that may not start yet cannot run in the request: it waits on the queue.
    const delayed = !options.inline && plan.runAt !== null && plan.runAt.getTime() > Date.now();
    if (delayed && !queues) throw new UnavailableError('a delayed job needs the queue backend, and none is configured');

    if (!options.inline && queues && (queues.isAvailable() || delayed)) {
      let job: JobRecord;
      const row = { id, kind: name, queue: def.queue, name: def.name, data, mode: 'async' as const, maxAttempts: plan.maxAttempts, priority: plan.priority, runAt: plan.runAt, ...rowOwner(owner) };
      try {
        job = await this.create(row);
      } catch (error) {
        // Two submissions with the same id raced; the loser returns the winner's job.
        if (options.id && isUniqueViolation(error)) return replay((await store.get(id)) as JobRecord, name, data);
        throw error;
      }
      // Queue down: a delayed job is committed and the reconciler adds it when the queue is back.
      if (!queues.isAvailable()) return { mode: 'async', job };
      try {
        await addFromRow(queues, job);
        return { mode: 'async', job };
      } catch (error) {
        if (!isOutOfMemory(error) || delayed) {
          logger.warn({ jobId: id, queue: def.queue, err: error }, 'enqueue failed after commit; the reconciler will re-add the job');
          return { mode: 'async', job };
        }
        // A full Redis (maxmemory under noeviction) refused the add whole, and would
        // refuse the reconciler's too: answering 202 would leave the row queued with
        // nothing behind it. The row is withdrawn and the request goes on as if Redis
        // were down (QueueSet counts it full until it has room again).
        logger.error({ jobId: id, queue: def.queue }, 'redis is full (maxmemory reached, noeviction): not queueing new jobs until it has room');
        await store.discard(id);
      }
    }

    if (this.options.fallbackMode === 'reject' && !options.inline && !options.runHereIfDown) {
      throw new UnavailableError('the job queue is unavailable; try again shortly', { extensions: { retryAfter: 5 } });
    }
    try {
      return await this.runSync(name, id, data, owner, options.signal, plan.priority);
    } catch (error) {
      if (options.id && isUniqueViolation(error)) return replay((await store.get(id)) as JobRecord, name, data);
      throw error;
    }
  }

  /**
   * Accepts a batch of jobs of one entry: one parent row (kind `batch`) and a child
   * per item. The whole batch is validated first, every item against the entry's
   * schema and the egress policy, and any fault is one 400 naming each item's index
   * and field: nothing is written then. Then parent and children are committed in one
   * statement, and the children are added to the queue; an add that fails is the
   * reconciler's to repeat, as for a single job. Each child's data carries `batchId`
   * (the entry's schema must declare it, as it declares the owner's fields); when a
   * child ends, the finished-hook settles the parent (JobStore.settleBatch).
   *
   * Batches are queued work only: with the queue unavailable they are refused (503),
   * never run one after another inside the request.
   */
  async submitBatch<N extends EntryName<C>>(name: N, items: readonly unknown[], options: BatchOptions): Promise<BatchSubmission> {
    const def = this.entry(name);
    const plan = this.plan(def, options.job);
    const fieldOf = options.fieldOf ?? defaultFieldOf;
    if (items.length === 0) throw new ValidationError('a batch needs at least one item', [{ field: 'items', message: 'must hold at least one item' }]);
    if (items.length > options.maxItems) throw new BatchSizeError(`a batch holds at most ${options.maxItems} items (BATCH_MAX_ITEMS); this one has ${items.length}`);
    const owner = options.owner ?? { organizationId: DEFAULT_ORGANIZATION };
    const errors: FieldError[] = [];
    const datas: object[] = [];
    for (const [index, item] of items.entries()) {
      const parsed = def.schema.safeParse(item);
      if (!parsed.success) {
        for (const e of fieldErrorsFromZod(parsed.error, { fallbackField: '' })) errors.push({ field: fieldOf(index, e.field), message: e.message });
        continue;
      }
      const { batchId: _, callbackUrl, ...own } = parsed.data as { batchId?: unknown; callbackUrl?: unknown; organizationId?: unknown; userId?: unknown };
      const misplaced = (['callbackUrl', 'organizationId', 'userId'] as const).filter((field) => ({ callbackUrl, ...own })[field] !== undefined);
      if (misplaced.length > 0) {
        for (const field of misplaced) errors.push({ field: fieldOf(index, field), message: `a batch has one ${field}: set it on the batch, not on its items` });
        continue;
      }
      if (options.checkItem) {
        try {
          options.checkItem(own);
        } catch (error) {
          errors.push(...prefixed(error, (field) => fieldOf(index, field)));
          continue;
        }
      }
      datas.push(withOwner(own, owner));
    }
    if (errors.length === 0) {
      // Every item's destinations, then the batch's webhook: all refusals are reported at once.
      const checks = datas.map((data, index) => this.checkDestinations(data).then(() => [], (error: unknown) => prefixed(error, (field) => fieldOf(index, field))));
      if (options.callbackUrl !== undefined) checks.push(this.checkDestinations({ callbackUrl: options.callbackUrl }).then(() => [], (error: unknown) => prefixed(error, (field) => field)));
      for (const found of await Promise.all(checks)) errors.push(...found);
    }
    if (errors.length > 0) {
      throw new ValidationError(`the batch was refused: ${errors.length} problem${errors.length === 1 ? '' : 's'} (nothing was queued)`, errors);
    }
    const { queues, store, logger } = this.options;
    const replay = async (): Promise<BatchSubmission | null> => {
      const existing = options.id ? await store.get(options.id) : null;
      return existing ? replayBatch(store, existing, name, datas, options.callbackUrl) : null;
    };
    const earlier = await replay();
    if (earlier) return earlier;
    if (!queues?.isAvailable()) {
      throw new UnavailableError('the job queue is unavailable, and batches are only queued, never run in the request; try again shortly', { extensions: { retryAfter: 5 } });
    }
    const parentId = options.id ?? randomUUID();
    const parentData: BatchData = {
      childKind: name,
      total: datas.length,
      pollBase: options.pollBase,
      ...(options.callbackUrl !== undefined ? { callbackUrl: options.callbackUrl } : {}),
      organizationId: owner.organizationId,
      ...(owner.userId !== undefined ? { userId: owner.userId } : {}),
    };
    let batch: BatchSubmission;
    try {
      batch = await store.createBatch({
        id: parentId,
        data: parentData,
        ...rowOwner(owner),
        children: datas.map((data) => ({
          id: randomUUID(),
          kind: name,
          queue: def.queue,
          name: def.name,
          data: { ...data, batchId: parentId },
          maxAttempts: plan.maxAttempts,
          priority: plan.priority,
          runAt: plan.runAt,
        })),
      });
    } catch (error) {
      // Two submissions with the same Idempotency-Key raced; the loser returns the winner's batch.
      const winner = await replay();
      if (winner) return winner;
      throw error;
    }
    const added = await Promise.allSettled(batch.children.map((child) => addFromRow(queues, child)));
    const failed = added.filter((a) => a.status === 'rejected').length;
    if (failed > 0) logger.warn({ batchId: parentId, failed, total: added.length }, 'enqueue of batch children failed after commit; the reconciler will re-add them');
    return batch;
  }

  /**
   * A job's priority, start time and attempts: its own options over its entry's
   * defaults. More attempts than `maxJobAttempts` is the caller's 400.
   */
  private plan(def: CatalogEntry, job: JobOptions = {}): { priority: number; runAt: Date | null; maxAttempts: number } {
    const max = this.options.maxJobAttempts;
    if (job.attempts !== undefined && max !== undefined && job.attempts > max) {
      throw new ValidationError('invalid job options', [{ field: 'attempts', message: `must be at most ${max} (MAX_JOB_ATTEMPTS)` }]);
    }
    const runAt = job.runAt ?? (job.delayMs !== undefined && job.delayMs > 0 ? new Date(Date.now() + job.delayMs) : null);
    return { priority: job.priority ?? def.priority, runAt, maxAttempts: job.attempts ?? attemptsOf(def) };
  }

  private entry(name: string): CatalogEntry {
    const def = this.options.catalog[name];
    if (!def) throw new Error(`no catalog entry ${name}`);
    return def;
  }

  /**
   * Commits a new row. A create whose answer never came (the database went silent, a
   * connection dropped) may have committed: the row is looked for once, and if it
   * cannot be found the error names the job, so the caller polls it rather than
   * assuming nothing was accepted and doing the work twice (the same Idempotency-Key
   * then returns the job too).
   */
  private async create(job: NewJob): Promise<JobRecord> {
    const { store } = this.options;
    try {
      return await store.create(job);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      const committed = await store.get(job.id).catch(() => null);
      if (committed) return committed;
      throw new UnavailableError('the database did not confirm the job; it may have been accepted: poll pollUrl before submitting again', {
        cause: error,
        extensions: { retryAfter: 5, jobId: job.id, pollUrl: `/api/jobs/${job.id}` },
      });
    }
  }

  /**
   * An idempotent retry's answer. The earlier submission may have been a sync run
   * whose API process died (its lease expired): the queue takes it over now rather
   * than at the next reconcile pass, and the retry gets the job to poll, never a
   * second run inside this request.
   */
  private async replayed<T>(submission: Submission<T>): Promise<Submission<T>> {
    const { queues, store, logger } = this.options;
    const row = submission.job;
    const orphaned = row.mode === 'sync' && (row.status === 'queued' || row.status === 'processing') && row.leaseUntil !== null && row.leaseUntil.getTime() < Date.now();
    if (!orphaned || !queues?.isAvailable()) return submission;
    try {
      const owned = await takeOver(store, queues, row);
      if (!owned) return submission;
      await addFromRow(queues, owned);
      logger.warn({ jobId: row.id, queue: row.queue }, 'synchronous run lost its process; job handed to the queue');
      return { ...submission, job: owned } as Submission<T>;
    } catch (error) {
      // The reconciler takes it over later; the caller has the job to poll either way.
      logger.warn({ jobId: row.id, err: error }, 'taking over an orphaned synchronous run failed');
      return submission;
    }
  }

  private async runSync<N extends EntryName<C>>(
    name: N,
    id: string,
    data: EntryData<C, N>,
    owner: JobOwner,
    signal: AbortSignal | undefined,
    priority: number,
  ): Promise<Submission<R[N]>> {
    const def = this.entry(name);
    const { store, logger } = this.options;
    const leaseMs = this.options.syncLeaseMs ?? DEFAULT_SYNC_LEASE_MS;
    await this.create({ id, kind: name, queue: def.queue, name: def.name, data, mode: 'sync', maxAttempts: 1, leaseMs, priority, ...rowOwner(owner) });
    const lease = keepLease(store, id, leaseMs, logger);
    try {
      return await this.runSyncHandler(name, id, data, signal);
    } finally {
      lease.stop();
    }
  }

  private async runSyncHandler<N extends EntryName<C>>(name: N, id: string, data: EntryData<C, N>, signal?: AbortSignal): Promise<Submission<R[N]>> {
    const def = this.entry(name);
    const { store, logger, handlers } = this.options;
    const ctx = createJobContext({ store, logger, jobId: id, name, queue: def.queue, attempt: 1, mode: 'sync', signal: signal ?? new AbortController().signal });
    ctx.log.info(this.isQueueAvailable() ? 'running job in this process' : 'queue unavailable; running job synchronously');
    const handler = handlers[name] as (d: EntryData<C, N>, c: typeof ctx) => Promise<R[N]>;
    let result: R[N];
    try {
      result = await handler(data, ctx);
    } catch (error) {
      await store.failed(id, 1, describeError(error), true, reportOf(error));
      ctx.log.warn({ err: error, permanent: isPermanent(error) }, 'synchronous job failed');
      await this.finished({ id, name, data }, { status: 'failed', error: describeError(error) }, ctx.log);
      throw error;
    }
    await store.completed(id, 1, result);
    await this.finished({ id, name, data }, { status: 'completed', result }, ctx.log);
    const job = (await store.get(id)) as JobRecord;
    return { mode: 'sync', job, result };
  }

  /**
   * The finished-hook for a synchronous job. Its failure is logged, not thrown: the
   * caller already has the outcome, and the delivery row it left behind is retried
   * by the webhook sweep.
   */
  private async finished(job: { id: string; name: string; data: unknown }, outcome: JobOutcome, log: Logger): Promise<void> {
    if (!this.options.onFinished) return;
    await this.options.onFinished(job, outcome).catch((error: unknown) => log.warn({ err: error }, 'finished-hook failed'));
  }
}

/** An earlier batch under the same id: the same batch if it asked for the same items, else 409. */
async function replayBatch(store: JobStore, existing: JobRecord, kind: string, datas: object[], callbackUrl: string | undefined): Promise<BatchSubmission> {
  const conflict = () => new AppError('idempotency_conflict', 409, 'this Idempotency-Key was already used with a different request');
  const data = existing.data as Partial<BatchData>;
  if (existing.kind !== 'batch' || data.childKind !== kind || data.callbackUrl !== callbackUrl) throw conflict();
  const children = await store.childrenOf(existing.id);
  const asked = datas.map((d) => canonical(d));
  const had = children.map((c) => {
    const { batchId: _, ...rest } = c.data as { batchId?: unknown };
    return canonical(rest);
  });
  if (asked.length !== had.length || asked.some((a, i) => a !== had[i])) throw conflict();
  return { parent: existing, children, replayed: true };
}

/** A 400's field errors (a ValidationError's, or a domain's own 400) with each field renamed; anything else is thrown on. */
function prefixed(error: unknown, rename: (field: string) => string): FieldError[] {
  if (!(error instanceof AppError) || error.status !== 400) throw error;
  const errors = error.errors?.length ? error.errors : [{ field: '', message: error.message }];
  return errors.map((e) => ({ field: rename(e.field), message: e.message }));
}

/**
 * What a failed handler got done, when its error says (`report`): kept as the row's
 * result beside the error, so a failed run still shows how far it got.
 */
export function reportOf(error: unknown): unknown {
  return error && typeof error === 'object' && 'report' in error ? (error as { report: unknown }).report : undefined;
}
