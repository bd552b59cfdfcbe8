/**
 * The job store: Postgres rows are the source of truth for every job (invariant 1).
 * Creation is an immediate commit; lifecycle writes go through the WriteBuffer.
 */
import { DEFAULT_ORGANIZATION } from '@vcq/config';
import { type Db, type HotStatement, hotQuery } from './client.js';
import { Prisma, type JobMode, type JobStatus } from './generated/client.js';
import { Coalescer, type Settled } from './coalescer.js';
import { RUNNER } from './runner.js';
import { WriteBuffer, type JobError, type WriteBufferOptions } from './write-buffer.js';

export type { JobMode, JobStatus } from './generated/client.js';

/** What the reconciler's check reads of an open row (JobStore.findOpenAsync). */
export type OpenJob = Pick<JobRecord, 'id' | 'queue' | 'name' | 'kind' | 'status' | 'mode' | 'attempt' | 'runner'>;

export interface JobRecord {
  id: string;
  queue: string;
  name: string;
  status: JobStatus;
  mode: JobMode;
  progress: number;
  attempt: number;
  maxAttempts: number;
  data: unknown;
  result: unknown;
  error: JobError | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  /** The organization that owns the job (its submitting key's). */
  organizationId: string;
  /** Who in that organization it is for, when the caller said. */
  userId: string | null;
  /** A synchronous run's lease (see `renewLease`); null for async rows. */
  leaseUntil: Date | null;
  /** The catalog entry it runs; `name` is its BullMQ job name. */
  kind: string;
  /** `<host>:<pid>` of the process that last started it; null while it has not started. */
  runner: string | null;
  /** A batch child's parent row (kind `batch`); null for every other job. */
  parentId: string | null;
  /** A batch child's place in its batch, from 0. */
  batchIndex: number | null;
  /** BullMQ priority: lower runs first. */
  priority: number;
  /** Not to start before this time; null for as soon as possible. */
  runAt: Date | null;
}

/** The catalog kind of a batch's parent row; it has no queue job of its own. */
export const BATCH_KIND = 'batch';
/** The queue column of batch parents: no BullMQ queue, so lists, stats and the reconciler's re-adds leave them out. */
export const BATCH_QUEUE = 'batches';

/** A child of a new batch: an ordinary async job, with its place in the batch. */
export interface NewBatchChild {
  id: string;
  kind: string;
  queue: string;
  name: string;
  data: unknown;
  maxAttempts: number;
  /** The batch's job options, the same for every child: BullMQ priority, and not before `runAt`. */
  priority?: number;
  runAt?: Date | null;
}

/** A new batch: the parent's id and data, its owner, and its children in order. */
export interface NewBatch {
  id: string;
  data: unknown;
  organizationId: string;
  userId?: string | null;
  children: NewBatchChild[];
}

export interface NewJob {
  id: string;
  /** The catalog entry it runs; its BullMQ job name when not given. */
  kind?: string;
  queue: string;
  name: string;
  data: unknown;
  mode: JobMode;
  maxAttempts: number;
  /** The owner; the default organization when not given. */
  organizationId?: string;
  userId?: string | null;
  /** A sync run's first lease (ms from now); the run renews it while it lives. */
  leaseMs?: number;
  /** BullMQ priority (lower runs first); the column's default (5, NORMAL) when not given. */
  priority?: number;
  /** Not to start before this time. */
  runAt?: Date | null;
}

export interface ListQuery {
  queue?: string;
  /** Only the rows of this catalog entry. */
  kind?: string;
  status?: JobStatus;
  /** Only this organization's jobs; every organization's when not given. */
  organizationId?: string;
  limit: number;
  offset: number;
}

export type StatusCounts = Record<JobStatus, number>;

/** A job id that is taken already; `code` is Postgres's unique_violation. */
export class DuplicateJobError extends Error {
  override name = 'DuplicateJobError';
  readonly code = '23505';
  constructor(readonly id: string) {
    super(`a job with id ${id} exists already`);
  }
}

export class JobStore {
  readonly writes: WriteBuffer;
  private readonly creates: Coalescer<NewJob, JobRecord>;
  private readonly statusReads: Coalescer<string, JobStatus | null>;

  constructor(
    readonly db: Db,
    bufferOptions: WriteBufferOptions,
  ) {
    this.writes = new WriteBuffer(db, bufferOptions);
    // Rows are committed before their job is accepted (invariant 1); concurrent
    // submissions share the commit.
    this.creates = new Coalescer((jobs) => insertJobs(db, jobs), { windowMs: 0, maxBatch: bufferOptions.maxBatch, maxInFlight: 2 });
    // Workers read a row's status as they pick its job up; jobs picked up together share the query.
    this.statusReads = new Coalescer((ids) => readStatuses(db, ids), { windowMs: 0, maxBatch: bufferOptions.maxBatch, maxInFlight: 2 });
  }

  /** A row's status now (null when there is no such row); concurrent reads share one query. */
  status(id: string): Promise<JobStatus | null> {
    return this.statusReads.submit(id);
  }

  /**
   * Commits a new row: `queued` for async jobs, `processing` (attempt 1) for sync
   * ones. An id that exists already is a DuplicateJobError.
   */
  create(job: NewJob): Promise<JobRecord> {
    return this.creates.submit(job);
  }

  async get(id: string): Promise<JobRecord | null> {
    const row = await this.db.job.findUnique({ where: { id } });
    return row ? toRecord(row) : null;
  }

  async getMany(ids: string[]): Promise<JobRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.job.findMany({ where: { id: { in: ids } } });
    return rows.map(toRecord);
  }

  async list(query: ListQuery): Promise<{ items: JobRecord[]; total: number }> {
    const where = {
      ...(query.organizationId !== undefined ? { organizationId: query.organizationId } : {}),
      ...(query.queue ? { queue: query.queue } : {}),
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.status ? { status: query.status } : {}),
    };
    const [rows, total] = await this.db.$transaction([
      this.db.job.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: query.limit, skip: query.offset }),
      this.db.job.count({ where }),
    ]);
    return { items: rows.map(toRecord), total };
  }

  /** Row counts per status, of one queue and (when given) one organization. */
  async countByStatus(queue?: string, organizationId?: string): Promise<StatusCounts> {
    const groups = await this.db.job.groupBy({
      by: ['status'],
      where: { ...(queue ? { queue } : {}), ...(organizationId !== undefined ? { organizationId } : {}) },
      _count: { _all: true },
    });
    const counts: StatusCounts = { queued: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 };
    for (const g of groups) counts[g.status] = g._count._all;
    return counts;
  }

  /** Row counts per queue and status, in one query (metrics, queue stats). */
  async countByQueueAndStatus(): Promise<Array<{ queue: string; status: JobStatus; count: number }>> {
    const groups = await this.db.job.groupBy({ by: ['queue', 'status'], _count: { _all: true } });
    return groups.map((g) => ({ queue: g.queue, status: g.status, count: g._count._all }));
  }

  /**
   * Open rows (queued or processing) untouched for `graceMs` that belong to a queue
   * job or to no one: every async row, and the sync rows whose run's lease has expired
   * (their API process died mid-run). The reconciler checks each against the queue.
   * Keyset-paged by id.
   */
  /**
   * One page (by id) of the open rows no live process owns, older than `graceMs`: only
   * the columns the reconciler's check reads, on a prepared statement. A backlog is read
   * in full at every pass, so its rows' data stays in Postgres; the few rows the check
   * finds need work are read whole with `stillOpen`.
   */
  async findOpenAsync(options: { graceMs: number; limit: number; afterId?: string }): Promise<OpenJob[]> {
    const now = new Date();
    return hotQuery<OpenJob>(this.db, FIND_OPEN, [BATCH_KIND, new Date(now.getTime() - options.graceMs), now, options.afterId ?? null, options.limit]);
  }

  /**
   * Extends a sync run's lease to `ms` from now; false once the row is closed or was
   * taken over (then the run no longer owns it).
   */
  async renewLease(id: string, ms: number): Promise<boolean> {
    const updated = await this.db.job.updateMany({
      where: { id, mode: 'sync', status: { in: ['queued', 'processing'] } },
      data: { leaseUntil: new Date(Date.now() + ms) },
    });
    return updated.count === 1;
  }

  /**
   * Takes over a sync row whose run's lease has expired: it becomes an async row (no
   * lease) with `attempts` more attempts after the ones it has made, for the caller to
   * add to the queue. Null when the row is not such a row (closed, async, or its run
   * still renews its lease). An async row is returned as it is.
   */
  async adopt(id: string, attempts: number): Promise<JobRecord | null> {
    const now = new Date();
    const rows = await this.db.$queryRaw<Array<{ id: string }>>`
      UPDATE jobs SET mode = 'async'::"JobMode", lease_until = NULL, max_attempts = attempt + ${attempts}, updated_at = now()
      WHERE id = ${id}::uuid AND mode = 'sync' AND status IN ('queued', 'processing')
        AND (lease_until < ${now} OR lease_until IS NULL)
      RETURNING id::text AS id`;
    if (rows.length === 0) {
      const row = await this.get(id);
      return row && row.mode === 'async' && (row.status === 'queued' || row.status === 'processing') ? row : null;
    }
    return this.get(id);
  }

  /** The rows of `ids` that are still open (queued or processing) right now, by id. */
  async stillOpen(ids: string[]): Promise<Map<string, JobRecord>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.job.findMany({ where: { id: { in: ids }, status: { in: ['queued', 'processing'] } } });
    return new Map(rows.map((row) => [row.id, toRecord(row)]));
  }

  /**
   * The explicit retry: the one move back, failed (or cancelled) -> queued. With
   * `resetAttempt` the attempt count starts over, for a job re-added to Redis from
   * scratch (BullMQ numbers its attempts from 1 again); otherwise it is kept, so the
   * retried run's attempts continue above the old ones. Returns the row, or null if
   * it was not in a retryable state.
   */
  async requeue(id: string, options: { resetAttempt: boolean }): Promise<JobRecord | null> {
    const updated = await this.db.job.updateMany({
      where: { id, status: { in: ['failed', 'cancelled'] } },
      data: {
        status: 'queued',
        progress: 0,
        error: Prisma.DbNull,
        result: Prisma.DbNull,
        startedAt: null,
        completedAt: null,
        updatedAt: new Date(),
        ...(options.resetAttempt ? { attempt: 0 } : {}),
      },
    });
    return updated.count === 1 ? this.get(id) : null;
  }

  /**
   * Deletes a row that is still `queued`: a submission withdrawn before it was
   * accepted (its add was refused outright). Returns whether it was deleted.
   */
  async discard(id: string): Promise<boolean> {
    const deleted = await this.db.job.deleteMany({ where: { id, status: 'queued' } });
    return deleted.count === 1;
  }

  /** Marks open rows cancelled (terminal); returns the ids that were still open. */
  async cancel(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.job.updateManyAndReturn({
      where: { id: { in: ids }, status: { in: ['queued', 'processing'] } },
      data: { status: 'cancelled', completedAt: new Date(), updatedAt: new Date() },
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }

  /** Marks the attempt as started (batched; not awaited by callers on the hot path). */
  started(id: string, attempt: number): Promise<boolean> {
    return this.writes.write({ id, attempt, status: 'processing', progress: 0 });
  }

  progress(id: string, attempt: number, progress: number): Promise<boolean> {
    return this.writes.write({ id, attempt, status: 'processing', progress });
  }

  /** Records the outcome; resolves once it is committed (group commit with other jobs). */
  completed(id: string, attempt: number, result: unknown): Promise<boolean> {
    return this.writes.write({ id, attempt, status: 'completed', progress: 100, result });
  }

  /** A final failure closes the row; a non-final one keeps it `processing` with the error. */
  failed(id: string, attempt: number, error: JobError, final: boolean, report?: unknown): Promise<boolean> {
    return this.writes.write({ id, attempt, status: final ? 'failed' : 'processing', error, ...(report === undefined ? {} : { result: report }) });
  }

  /**
   * Commits a batch whole, in one statement: its parent (`queued`, kind `batch`) and
   * every child (`queued`, async, carrying the parent's id and its index). Either all
   * of it is there or none of it is.
   */
  async createBatch(batch: NewBatch): Promise<{ parent: JobRecord; children: JobRecord[] }> {
    const now = new Date();
    const owner = { organizationId: batch.organizationId, userId: batch.userId ?? null };
    const record = (job: NewBatchChild, parentId: string | null, batchIndex: number | null): JobRecord => ({
      ...job,
      priority: job.priority ?? 5,
      runAt: job.runAt ?? null,
      status: 'queued',
      mode: 'async',
      progress: 0,
      attempt: 0,
      result: null,
      error: null,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      completedAt: null,
      ...owner,
      leaseUntil: null,
      runner: null,
      parentId,
      batchIndex,
    });
    const parent = record({ id: batch.id, kind: BATCH_KIND, queue: BATCH_QUEUE, name: BATCH_KIND, data: batch.data, maxAttempts: 1 }, null, null);
    const children = batch.children.map((child, index) => record(child, batch.id, index));
    const rows = [parent, ...children].map((r) => ({ ...insertedFields(r), parentId: r.parentId, batchIndex: r.batchIndex }));
    // One INSERT: the foreign key to the parent is checked at the statement's end, when the parent is in.
    await this.db.$executeRaw`
      INSERT INTO jobs (id, kind, queue, name, data, mode, max_attempts, status, attempt, organization_id, user_id, parent_id, batch_index, priority, run_at, created_at, updated_at)
      SELECT id, kind, queue, name, data, mode::"JobMode", "maxAttempts", status::"JobStatus", attempt, "organizationId", "userId", "parentId", "batchIndex", priority, "runAt", ${now}, ${now}
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS r(id uuid, kind text, queue text, name text, data jsonb, mode text, "maxAttempts" int, status text, attempt int,
          "organizationId" text, "userId" text, "parentId" uuid, "batchIndex" int, priority int, "runAt" timestamptz)`;
    return { parent, children };
  }

  /**
   * Brings a batch's parent up to date with its children, in one UPDATE: its progress
   * is the share of children that have ended, and once none is open it is completed
   * with the summary of them all. Guarded on the parent being open, so of any number
   * of children ending at once (or redelivered) exactly one completes it; progress
   * never goes back. Returns the parent as it is now, or null when there is none.
   */
  async settleBatch(parentId: string, pollBase: string): Promise<JobRecord | null> {
    await this.db.$executeRaw`
      WITH c AS (
        SELECT count(*)::int AS total,
          count(*) FILTER (WHERE status IN ('completed', 'failed', 'cancelled'))::int AS done,
          count(*) FILTER (WHERE status = 'completed')::int AS completed,
          count(*) FILTER (WHERE status IN ('failed', 'cancelled'))::int AS failed,
          COALESCE(jsonb_agg(jsonb_build_object(
            'index', batch_index, 'jobId', id, 'status', status, 'pollUrl', ${pollBase} || id::text,
            'error', error->'message', 'errorCode', error->'code'
          ) ORDER BY batch_index), '[]'::jsonb) AS children
        FROM jobs WHERE parent_id = ${parentId}::uuid
      )
      UPDATE jobs p SET
        progress = GREATEST(p.progress, CASE WHEN c.total = 0 THEN 100 ELSE c.done * 100 / c.total END),
        status = (CASE WHEN c.done = c.total THEN 'completed' ELSE 'processing' END)::"JobStatus",
        started_at = COALESCE(p.started_at, now()),
        completed_at = CASE WHEN c.done = c.total THEN now() END,
        result = CASE WHEN c.done = c.total
          THEN jsonb_build_object('total', c.total, 'completed', c.completed, 'failed', c.failed, 'children', c.children) END,
        updated_at = now()
      FROM c
      WHERE p.id = ${parentId}::uuid AND p.kind = ${BATCH_KIND} AND p.status IN ('queued', 'processing')
        AND (c.done = c.total OR c.done * 100 / GREATEST(c.total, 1) > p.progress OR p.status = 'queued')`;
    return this.get(parentId);
  }

  /**
   * Open batch parents none of whose children is open any more, untouched for
   * `graceMs`: a process that ended a last child died before settling its parent.
   * The reconciler settles them (keyset-paged by id).
   */
  async findUnsettledBatches(options: { graceMs: number; limit: number }): Promise<JobRecord[]> {
    const rows = await this.db.$queryRaw<Array<{ id: string }>>`
      SELECT p.id::text AS id FROM jobs p
      WHERE p.kind = ${BATCH_KIND} AND p.status IN ('queued', 'processing')
        AND p.updated_at < ${new Date(Date.now() - options.graceMs)}
        AND NOT EXISTS (SELECT 1 FROM jobs c WHERE c.parent_id = p.id AND c.status IN ('queued', 'processing'))
      ORDER BY p.id LIMIT ${options.limit}`;
    return this.getMany(rows.map((r) => r.id));
  }

  /** A batch's children, in their order. */
  async childrenOf(parentId: string): Promise<JobRecord[]> {
    const rows = await this.db.job.findMany({ where: { parentId }, orderBy: { batchIndex: 'asc' } });
    return rows.map(toRecord);
  }

  /** The newest row of each of `kinds` that has one (the last run of each scheduled task). */
  async latestOfKinds(kinds: string[]): Promise<Map<string, JobRecord>> {
    if (kinds.length === 0) return new Map();
    const rows = await this.db.$queryRaw<Array<{ id: string }>>`
      SELECT DISTINCT ON (kind) id::text AS id FROM jobs WHERE kind = ANY(${kinds}::text[]) ORDER BY kind, created_at DESC, id DESC`;
    const full = await this.getMany(rows.map((r) => r.id));
    return new Map(full.map((r) => [r.kind, r]));
  }

  async close(): Promise<void> {
    await this.creates.flush();
    await this.writes.flush();
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const READ_STATUSES: HotStatement = { name: 'vcq_read_statuses', text: 'SELECT id::text AS id, status::text AS status FROM jobs WHERE id = ANY($1::uuid[])' };

/** The status of each of `ids`, in one query; an id that is no uuid has no row. */
async function readStatuses(db: Db, ids: string[]): Promise<Array<Settled<JobStatus | null>>> {
  const wanted = ids.filter((id) => UUID.test(id));
  const rows =
    wanted.length === 0
      ? []
      : await hotQuery<{ id: string; status: JobStatus }>(db, READ_STATUSES, [wanted]);
  const byId = new Map(rows.map((r) => [r.id, r.status]));
  return ids.map((id) => ({ ok: true, value: byId.get(id.toLowerCase()) ?? null }));
}

const INSERT_JOBS: HotStatement = {
  name: 'vcq_insert_jobs',
  text: `
    INSERT INTO jobs (id, kind, queue, name, data, mode, max_attempts, status, attempt, started_at, organization_id, user_id, lease_until, runner, priority, run_at, created_at, updated_at)
    SELECT id, kind, queue, name, data, mode::"JobMode", "maxAttempts", status::"JobStatus", attempt, "startedAt", "organizationId", "userId", "leaseUntil", runner, priority, "runAt", $1, $1
    FROM jsonb_to_recordset($2::jsonb)
      AS r(id uuid, kind text, queue text, name text, data jsonb, mode text, "maxAttempts" int, status text, attempt int, "startedAt" timestamptz,
        "organizationId" text, "userId" text, "leaseUntil" timestamptz, runner text, priority int, "runAt" timestamptz)
    ON CONFLICT (id) DO NOTHING
    RETURNING id::text AS id`,
};

/**
 * One INSERT for a batch of new jobs, the rows as a single JSON parameter. A taken id
 * (or one twice in the batch) is that job's DuplicateJobError; the others commit.
 */
async function insertJobs(db: Db, jobs: NewJob[]): Promise<Array<Settled<JobRecord>>> {
  const now = new Date();
  const records = jobs.map((job): JobRecord => {
    const sync = job.mode === 'sync';
    return {
      id: job.id,
      kind: job.kind ?? job.name,
      queue: job.queue,
      name: job.name,
      status: sync ? 'processing' : 'queued',
      mode: job.mode,
      progress: 0,
      attempt: sync ? 1 : 0,
      maxAttempts: job.maxAttempts,
      data: job.data,
      result: null,
      error: null,
      createdAt: now,
      updatedAt: now,
      startedAt: sync ? now : null,
      completedAt: null,
      organizationId: job.organizationId ?? DEFAULT_ORGANIZATION,
      userId: job.userId ?? null,
      leaseUntil: sync && job.leaseMs !== undefined ? new Date(now.getTime() + job.leaseMs) : null,
      runner: sync ? RUNNER : null,
      parentId: null,
      batchIndex: null,
      priority: job.priority ?? 5,
      runAt: job.runAt ?? null,
    };
  });
  // Only the ids come back: every other column is what was sent or a default, so the
  // records are built here rather than read back (the payload would be parsed again).
  const rows = await hotQuery<{ id: string }>(db, INSERT_JOBS, [now, JSON.stringify(records.map(insertedFields))]);
  const inserted = new Set(rows.map((r) => r.id));
  return records.map((record) => {
    // Taken by this answer: a second job with the same id in the batch is a duplicate.
    const ok = inserted.delete(record.id.toLowerCase());
    return ok ? { ok: true, value: record } : { ok: false, error: new DuplicateJobError(record.id) };
  });
}

/** What the INSERT reads of a record; every other column is a default. */
const insertedFields = (r: JobRecord) => ({
  id: r.id,
  kind: r.kind,
  queue: r.queue,
  name: r.name,
  data: r.data,
  mode: r.mode,
  maxAttempts: r.maxAttempts,
  status: r.status,
  attempt: r.attempt,
  startedAt: r.startedAt,
  organizationId: r.organizationId,
  userId: r.userId,
  leaseUntil: r.leaseUntil,
  runner: r.runner,
  priority: r.priority,
  runAt: r.runAt,
});

/**
 * findOpenAsync's page: open rows, not batch parents ($1), last changed before $2, that
 * no live process owns (async rows, and sync rows whose lease expired before $3 or that
 * have none: a run from before leases, or one whose process died before its first
 * renewal could matter; the grace period covers it), after id $4 when given.
 */
const FIND_OPEN: HotStatement = {
  name: 'vcq_find_open',
  text: `
    SELECT id::text AS id, queue, name, kind, status::text AS status, mode::text AS mode, attempt, runner
    FROM jobs
    WHERE status IN ('queued', 'processing') AND kind <> $1 AND updated_at < $2
      AND (mode = 'async' OR lease_until IS NULL OR lease_until < $3)
      AND ($4::uuid IS NULL OR id > $4::uuid)
    ORDER BY id
    LIMIT $5`,
};

type Row = Awaited<ReturnType<Db['job']['findUniqueOrThrow']>>;

function toRecord(row: Row): JobRecord {
  return { ...row, error: (row.error as JobError | null) ?? null };
}
