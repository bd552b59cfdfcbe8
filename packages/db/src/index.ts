/** The organization of keys that name none, and of every row made before organizations. */
export { DEFAULT_ORGANIZATION } from '@vcq/config';
export { createDb, type Db, hotQuery, type HotStatement } from './client.js';
export { BATCH_KIND, BATCH_QUEUE, DuplicateJobError, JobStore, type JobRecord, type OpenJob, type NewBatch, type NewBatchChild, type NewJob, type ListQuery, type StatusCounts, type JobStatus, type JobMode } from './job-store.js';
export { JOB_PROGRESS_CHANNEL, WriteBuffer, type StatusWrite, type JobError, type WriteStatus, type WriteBufferOptions } from './write-buffer.js';
export { isDatabaseUnavailable } from './errors.js';
export { migrate, createDatabaseIfMissing, describeDatabase, type MigrateOptions, type MigrateResult } from './migrate.js';
export { Coalescer, settle, type CoalescerOptions, type Settled } from './coalescer.js';
export { isStorableText, storableJson, storableText, storableValue } from './storable.js';
export { RUNNER } from './runner.js';
