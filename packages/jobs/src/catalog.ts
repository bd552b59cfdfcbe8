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
 *
 * Periodic work (reconcile, webhook-retry-sweep, cleanup, the VC-event window
 * processor) is not here: it has no job rows and runs on BullMQ job schedulers, on
 * queues of its own; see the task catalog in tasks.ts.
 */
import { z } from 'zod';
import {
  DidCreateInputSchema,
  DidUpdateInputSchema,
  IssueCredentialInputSchema,
  VerifyCredentialInputSchema,
  type CredentialsService,
} from '@vcq/credentials';
import type { ProofResult, VerifyResult } from '@vcq/verification';
import type { WebhookEvent } from '@vcq/webhooks';

/** BullMQ priorities: lower runs first. */
export const Priority = { CRITICAL: 0, HIGH: 1, NORMAL: 5, LOW: 10 } as const;

export interface JobOptions {
  attempts: number;
  /** First retry delay; later retries double it (ignored with the webhook schedule). */
  backoffMs: number;
  priority: number;
  /** `exponential` from `backoffMs`, or the webhook delivery schedule (WEBHOOK_RETRY_SCHEDULE_MS). */
  backoff?: 'exponential' | 'webhook-schedule';
}

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  queue: string;
  /** The BullMQ job name. */
  name: string;
  schema: S;
  options: JobOptions;
  /** The webhook event sent to the job's `callbackUrl` when it completes. */
  event?: WebhookEvent;
}

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, { message: 'must be a 0x-prefixed 32-byte hex hash' });
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, { message: 'must be a 0x-prefixed 20-byte hex address' });

/** Any job may carry one; its outcome is POSTed there (see packages/webhooks). */
const callbackUrl = z.string().url({ message: 'must be an http(s) URL' }).max(2048).optional();

/**
 * Whose job it is. The platform sets both from the submitting API key (see
 * JobPlatform.submit), so a handler can trust them; optional only for jobs queued
 * before organizations existed, which belong to the default one.
 */
const owner = {
  organizationId: z.string().min(1).max(64).optional(),
  userId: z.string().min(1).max(200).optional(),
};

/** A verification job carries the file's hash, never the file (no large payloads in Redis). */
export const VerificationJobSchema = z.object({
  contentHash: hex32,
  registryAddress: address,
  manifestUri: z.string().min(1).max(2048),
  fileName: z.string().max(1024).optional(),
  fileSize: z.number().int().nonnegative().optional(),
  callbackUrl,
  ...owner,
});

/**
 * DID creation on the queue never carries key material: imported keys are stored
 * by the API inside the request, so no private key enters Redis or a job row.
 */
export const DidCreateJobSchema = DidCreateInputSchema.omit({ seedHex: true, privateKeyJwk: true }).extend({ callbackUrl, ...owner });
export const DidUpdateJobSchema = DidUpdateInputSchema.extend({ did: z.string().min(1).max(2048), callbackUrl, ...owner });
export const DidDeactivateJobSchema = z.object({ did: z.string().min(1).max(2048), callbackUrl, ...owner });
export const IssueCredentialJobSchema = IssueCredentialInputSchema.extend({ callbackUrl, ...owner });
export const VerifyCredentialJobSchema = VerifyCredentialInputSchema.extend({ callbackUrl, ...owner });
export const WebhookDeliverJobSchema = z.object({ deliveryId: z.string().uuid(), ...owner });
export type VerificationJob = z.infer<typeof VerificationJobSchema>;

const verificationOptions: JobOptions = { attempts: 3, backoffMs: 5000, priority: Priority.NORMAL };

const credentialOptions: JobOptions = { attempts: 3, backoffMs: 1000, priority: Priority.HIGH };

export const jobCatalog = {
  verify: { queue: 'verification', name: 'verify', schema: VerificationJobSchema, options: verificationOptions, event: 'verification.completed' },
  proof: { queue: 'verification', name: 'proof', schema: VerificationJobSchema, options: verificationOptions, event: 'proof.completed' },
  'issue-credential': { queue: 'vc-issuance', name: 'issue-credential', schema: IssueCredentialJobSchema, options: credentialOptions, event: 'vc.issued' },
  'verify-credential': { queue: 'vc-verification', name: 'verify-credential', schema: VerifyCredentialJobSchema, options: credentialOptions, event: 'vc.verified' },
  'did-create': { queue: 'did-operations', name: 'create', schema: DidCreateJobSchema, options: credentialOptions, event: 'did.created' },
  'did-update': { queue: 'did-operations', name: 'update', schema: DidUpdateJobSchema, options: credentialOptions, event: 'did.updated' },
  'did-deactivate': { queue: 'did-operations', name: 'deactivate', schema: DidDeactivateJobSchema, options: credentialOptions, event: 'did.deactivated' },
  // Attempts are set from the schedule's length when the queues are built (wiring.ts).
  'webhook-deliver': {
    queue: 'webhooks',
    name: 'deliver',
    schema: WebhookDeliverJobSchema,
    options: { attempts: 6, backoffMs: 0, priority: Priority.NORMAL, backoff: 'webhook-schedule' },
  },
} as const satisfies Record<string, JobDefinition>;

export type JobName = keyof typeof jobCatalog;
export type JobData<N extends JobName> = z.infer<(typeof jobCatalog)[N]['schema']>;

type Returned<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;
type DidView = Returned<CredentialsService['dids']['create']>;

/** What each job's handler returns; stored as the row's `result`. */
export interface JobResults {
  verify: VerifyResult;
  proof: ProofResult;
  'issue-credential': Returned<CredentialsService['credentials']['issue']>;
  'verify-credential': Returned<CredentialsService['credentials']['verify']>;
  'did-create': DidView;
  'did-update': DidView;
  'did-deactivate': DidView;
  'webhook-deliver': { statusCode: number; durationMs: number };
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
