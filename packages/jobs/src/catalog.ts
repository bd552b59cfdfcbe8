/**
 * The job catalog: every job vcq runs, with its queue, payload schema and queue
 * options. `JobName`, `JobData<N>` and `JobResult<N>` are inferred from it, so
 * `platform.submit(name, data)` and the worker's handler map are type-checked
 * against one definition.
 *
 * Terminology:
 * - job: one unit of work, a row in Postgres (`jobs`) and, while it waits or runs,
 *   a BullMQ job in Redis with the same id.
 * - queue: a named BullMQ queue (`verification`, ...); several job names share one.
 * - task / job name: what the job does (`verify`, `proof`); picks the handler.
 * - handler (processor): a plain function `(data, ctx) => result` in a domain package.
 * - worker: the process (apps/worker) that pulls jobs and runs handlers.
 */
import { z } from 'zod';
import type { ProofResult, VerifyResult } from '@vcq/verification';

/** BullMQ priorities: lower runs first. */
export const Priority = { CRITICAL: 0, HIGH: 1, NORMAL: 5, LOW: 10 } as const;

export interface JobOptions {
  attempts: number;
  /** First retry delay; later retries double it. */
  backoffMs: number;
  priority: number;
}

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  queue: string;
  /** The BullMQ job name. */
  name: string;
  schema: S;
  options: JobOptions;
}

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, { message: 'must be a 0x-prefixed 32-byte hex hash' });
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, { message: 'must be a 0x-prefixed 20-byte hex address' });

/** A verification job carries the file's hash, never the file (no large payloads in Redis). */
export const VerificationJobSchema = z.object({
  contentHash: hex32,
  registryAddress: address,
  manifestUri: z.string().min(1).max(2048),
  fileName: z.string().max(1024).optional(),
  fileSize: z.number().int().nonnegative().optional(),
});
export type VerificationJob = z.infer<typeof VerificationJobSchema>;

const verificationOptions: JobOptions = { attempts: 3, backoffMs: 5000, priority: Priority.NORMAL };

export const jobCatalog = {
  verify: { queue: 'verification', name: 'verify', schema: VerificationJobSchema, options: verificationOptions },
  proof: { queue: 'verification', name: 'proof', schema: VerificationJobSchema, options: verificationOptions },
} as const satisfies Record<string, JobDefinition>;

export type JobName = keyof typeof jobCatalog;
export type JobData<N extends JobName> = z.infer<(typeof jobCatalog)[N]['schema']>;

/** What each job's handler returns; stored as the row's `result`. */
export interface JobResults {
  verify: VerifyResult;
  proof: ProofResult;
}
export type JobResult<N extends JobName> = JobResults[N];

export const jobNames = Object.keys(jobCatalog) as JobName[];

/** Every queue the catalog uses, each once. */
export const queueNames: string[] = [...new Set(Object.values(jobCatalog).map((d) => d.queue))];

/** The catalog entry for a BullMQ (queue, job name) pair, if there is one. */
export function findJob(queue: string, name: string): JobName | undefined {
  return jobNames.find((n) => jobCatalog[n].queue === queue && jobCatalog[n].name === name);
}

export function isJobName(value: string): value is JobName {
  return Object.hasOwn(jobCatalog, value);
}
