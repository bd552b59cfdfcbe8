/**
 * vcq's catalog: every job type and every periodic task, each an entry (queue, payload
 * schema, retry policy, schedule) with its handler beside it in `createHandlers`.
 * `JobName`, `JobData<N>` and `JobResult<N>` are inferred from here, so
 * `platform.submit(name, data)` and the handler map are type-checked against one
 * definition. Adding a job type: an entry here, its handler below, its result in
 * `JobResults`, and its route (see README, "Adding a job type").
 *
 * The entries' retry and schedule settings come from the environment
 * (`catalogFromConfig`); `baseCatalog` holds the defaults.
 */
import { z } from 'zod';
import { type Config, DEFAULT_ORGANIZATION } from '@vcq/config';
import {
  type CredentialsService,
  DidCreateInputSchema,
  DidUpdateInputSchema,
  IssueCredentialInputSchema,
  VerifyCredentialInputSchema,
} from '@vcq/credentials';
import type { Db, JobStore } from '@vcq/db';
import { EmailInputSchema, type EmailSender, type EmailSendResult } from '@vcq/emails';
import { AppError } from '@vcq/errors';
import {
  type CatalogEntry,
  type EntryData,
  type EntryName,
  exponential,
  type Handlers as EngineHandlers,
  type JobPlatform as EnginePlatform,
  Priority,
  type QueueSet,
  queuesOf,
  type ReconcileObserver,
  type ReconcileReport,
  reconcile,
  retrySchedule,
  TickDataSchema,
} from '@vcq/jobs';
import type { RunReport, VcEventsService } from '@vcq/vc-events';
import type { ProofResult, Verifier, VerifyResult } from '@vcq/verification';
import type { WebhookEvent, WebhookStore } from '@vcq/webhooks';
import { type CleanupReport, cleanup, type SweepReport, sweepWebhookDeliveries } from './maintenance.js';
import { QueueAdmin } from './queue-admin.js';
import { type RedriveReport, RedriveJobSchema, redrive } from './redrive.js';
import { deliveryAttempt } from './webhook-attempts.js';

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

/**
 * The batch a job is a child of: set by the platform on a batch's children only
 * (JobPlatform.submitBatch), so their ends settle the parent (batches.ts).
 */
const batch = { batchId: z.string().uuid().optional() };

/** A verification job carries the file's hash, never the file (no large payloads in Redis). */
export const VerificationJobSchema = z.object({
  contentHash: hex32,
  registryAddress: address,
  manifestUri: z.string().min(1).max(2048),
  fileName: z.string().max(1024).optional(),
  fileSize: z.number().int().nonnegative().optional(),
  callbackUrl,
  ...owner,
  ...batch,
});

/**
 * DID creation on the queue never carries key material: imported keys are stored
 * by the API inside the request, so no private key enters Redis or a job row.
 */
export const DidCreateJobSchema = DidCreateInputSchema.omit({ seedHex: true, privateKeyJwk: true }).extend({ callbackUrl, ...owner });
export const DidUpdateJobSchema = DidUpdateInputSchema.extend({ did: z.string().min(1).max(2048), callbackUrl, ...owner });
export const DidDeactivateJobSchema = z.object({ did: z.string().min(1).max(2048), callbackUrl, ...owner });
export const IssueCredentialJobSchema = IssueCredentialInputSchema.extend({ callbackUrl, ...owner, ...batch });
export const VerifyCredentialJobSchema = VerifyCredentialInputSchema.extend({ callbackUrl, ...owner });
export const WebhookDeliverJobSchema = z.object({ deliveryId: z.string().uuid(), ...owner });
/** `{to, subject, template, context, organizationId, userId?, attachments?}`, as the job-queues document has it. */
export const EmailSendJobSchema = EmailInputSchema.extend(owner);
/** A task's run: who asked for it and, for a tick, which one (owner fields are set by the platform). */
const TaskJobSchema = TickDataSchema.extend(owner);
export type VerificationJob = z.infer<typeof VerificationJobSchema>;

const verification = { attempts: 3, retry: exponential(5000), priority: Priority.NORMAL };
const credential = { attempts: 3, retry: exponential(1000), priority: Priority.HIGH };
/** Never retried: the next tick is the retry. */
const task = (cron: string) => ({ attempts: 1, retry: exponential(0), priority: Priority.NORMAL, schedule: { cron, timezone: 'UTC', enabled: true } });

export const baseCatalog = {
  verify: { queue: 'verification', name: 'verify', schema: VerificationJobSchema, ...verification },
  proof: { queue: 'verification', name: 'proof', schema: VerificationJobSchema, ...verification },
  'issue-credential': { queue: 'vc-issuance', name: 'issue-credential', schema: IssueCredentialJobSchema, ...credential },
  'verify-credential': { queue: 'vc-verification', name: 'verify-credential', schema: VerifyCredentialJobSchema, ...credential },
  'did-create': { queue: 'did-operations', name: 'create', schema: DidCreateJobSchema, ...credential },
  'did-update': { queue: 'did-operations', name: 'update', schema: DidUpdateJobSchema, ...credential },
  'did-deactivate': { queue: 'did-operations', name: 'deactivate', schema: DidDeactivateJobSchema, ...credential },
  'webhook-deliver': {
    queue: 'webhooks',
    name: 'deliver',
    schema: WebhookDeliverJobSchema,
    attempts: 6,
    // WEBHOOK_RETRY_SCHEDULE_MS's default; one attempt more than it has delays.
    retry: retrySchedule([60_000, 300_000, 900_000, 3_600_000, 21_600_000]),
    priority: Priority.NORMAL,
  },
  // A 4xx from the SMTP server retries (greylisting lasts minutes); a 5xx fails at once.
  'email-send': { queue: 'emails', name: 'send', schema: EmailSendJobSchema, attempts: 5, retry: exponential(5000), priority: Priority.NORMAL },
  'vc-events': {
    queue: 'vc-events',
    name: 'process-window',
    schema: TaskJobSchema,
    ...task('0 */2 * * *'),
    description: 'Reads VC summary records from the analytics API for every window since the last run and applies them to credentials.',
  },
  'webhook-retry-sweep': {
    queue: 'maintenance',
    name: 'webhook-retry-sweep',
    schema: TaskJobSchema,
    ...task('*/5 * * * *'),
    description: 'Queues again the webhook deliveries whose next attempt is due but which are not on the queue.',
  },
  cleanup: {
    queue: 'maintenance',
    name: 'cleanup',
    schema: TaskJobSchema,
    ...task('0 0 * * *'),
    description: 'Deletes finished jobs, webhook deliveries, VC-event logs and sent-email records older than their retention, in bounded batches.',
  },
  reconcile: {
    queue: 'maintenance',
    name: 'reconcile',
    schema: TaskJobSchema,
    ...task('* * * * *'),
    description: 'Re-adds jobs that are open in Postgres but missing from the queue.',
  },
  // A large bulk retry (`POST /queue/{name}/retry`): not retried itself, as each row it
  // retries is a retry already; a second run skips what the first one requeued.
  redrive: { queue: 'maintenance', name: 'redrive', schema: RedriveJobSchema, attempts: 1, retry: exponential(0), priority: Priority.HIGH },
} satisfies Record<string, CatalogEntry>;

export type VcqCatalog = typeof baseCatalog;
export type JobName = EntryName<VcqCatalog>;
export type JobData<N extends JobName> = EntryData<VcqCatalog, N>;

/** The periodic tasks: the entries with a schedule. */
export const taskNames = ['vc-events', 'webhook-retry-sweep', 'cleanup', 'reconcile'] as const satisfies readonly JobName[];
export type TaskName = (typeof taskNames)[number];

export function isTaskName(value: string): value is TaskName {
  return (taskNames as readonly string[]).includes(value);
}

/** The webhook event sent to a job's `callbackUrl` when it completes. */
export const completionEvents: Partial<Record<JobName, WebhookEvent>> = {
  verify: 'verification.completed',
  proof: 'proof.completed',
  'issue-credential': 'vc.issued',
  'verify-credential': 'vc.verified',
  'did-create': 'did.created',
  'did-update': 'did.updated',
  'did-deactivate': 'did.deactivated',
};

/**
 * The catalog as the environment sets it: JOB_ATTEMPTS / JOB_BACKOFF_MS for every job
 * type that retries exponentially, the webhook retry schedule, each task's cron and
 * switch (ENABLE_TASK_SCHEDULING turns all of them off).
 */
export function catalogFromConfig(config: Config): VcqCatalog {
  const job = <E extends (typeof baseCatalog)[JobName]>(entry: E): E => ({
    ...entry,
    ...(config.JOB_ATTEMPTS !== undefined ? { attempts: config.JOB_ATTEMPTS } : {}),
    ...(config.JOB_BACKOFF_MS !== undefined ? { retry: exponential(config.JOB_BACKOFF_MS) } : {}),
  });
  const scheduled = <E extends (typeof baseCatalog)[TaskName]>(entry: E, cron: string, on: boolean): E => ({
    ...entry,
    schedule: { cron, timezone: config.TASK_TIMEZONE, enabled: config.ENABLE_TASK_SCHEDULING && on },
  });
  const c = baseCatalog;
  return {
    verify: job(c.verify),
    proof: job(c.proof),
    'issue-credential': job(c['issue-credential']),
    'verify-credential': job(c['verify-credential']),
    'did-create': job(c['did-create']),
    'did-update': job(c['did-update']),
    'did-deactivate': job(c['did-deactivate']),
    'webhook-deliver': { ...c['webhook-deliver'], retry: retrySchedule(config.WEBHOOK_RETRY_SCHEDULE_MS) },
    'email-send': job(c['email-send']),
    'vc-events': scheduled(c['vc-events'], config.VC_EVENTS_CRON, config.VC_EVENTS_ENABLED),
    'webhook-retry-sweep': scheduled(c['webhook-retry-sweep'], config.WEBHOOK_RETRY_SWEEP_CRON, config.WEBHOOK_RETRY_SWEEP_ENABLED),
    cleanup: scheduled(c.cleanup, config.CLEANUP_CRON, config.CLEANUP_ENABLED),
    reconcile: scheduled(c.reconcile, config.RECONCILE_CRON, config.RECONCILE_ENABLED),
    redrive: c.redrive,
  };
}

type Returned<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;
type DidView = Returned<CredentialsService['dids']['create']>;

/** What each entry's handler returns; stored as the row's `result`. */
export interface JobResults {
  verify: VerifyResult;
  proof: ProofResult;
  'issue-credential': Returned<CredentialsService['credentials']['issue']>;
  'verify-credential': Returned<CredentialsService['credentials']['verify']>;
  'did-create': DidView;
  'did-update': DidView;
  'did-deactivate': DidView;
  'webhook-deliver': { statusCode: number; durationMs: number };
  'email-send': EmailSendResult;
  'vc-events': RunReport;
  'webhook-retry-sweep': SweepReport;
  cleanup: CleanupReport;
  reconcile: ReconcileReport & { skipped?: string };
  redrive: RedriveReport;
}
export type JobResult<N extends JobName> = JobResults[N];

export type Handlers = EngineHandlers<VcqCatalog, JobResults>;
export type JobPlatform = EnginePlatform<VcqCatalog, JobResults>;

/** Why the vc-events task cannot run without an analytics API. */
export const ANALYTICS_NOT_CONFIGURED = 'VC events need an analytics API: set ANALYTICS_API_URL (and ANALYTICS_API_KEY)';

/** Thrown by a vc-events run when there is no analytics API to read. */
export class NotConfiguredError extends AppError {
  override name = 'NotConfiguredError';
  constructor(message: string) {
    super('not_configured', 409, message);
  }
}

export interface HandlerDeps {
  verifier: Verifier;
  credentials: CredentialsService;
  webhooks: { deliver(deliveryId: string, attempt: number): Promise<{ statusCode: number; durationMs: number }> };
  /** Sends `emails/send` jobs over SMTP (packages/emails). */
  emails: Pick<EmailSender, 'send'>;
  /** Lets a delivery job that was re-added from scratch continue the delivery's attempt count. */
  deliveries?: Pick<WebhookStore, 'get'>;
  /** What the tasks work on; without it, the tasks' handlers refuse to run. */
  tasks?: TaskHandlerDeps;
}

export interface TaskHandlerDeps {
  db: Db;
  store: JobStore;
  queues: QueueSet<VcqCatalog> | null;
  /** The platform the sweep submits deliveries on; a getter, as the platform is built with these handlers. */
  platform: () => JobPlatform;
  webhooks: WebhookStore;
  vcEvents: VcEventsService;
  settings: {
    reconcileGraceMs: number;
    sweepGraceMs: number;
    jobRetentionDays: number;
    webhookRetentionDays: number;
    cleanupBatchSize: number;
  };
  reconcileObserver?: ReconcileObserver;
}

/** Strips the platform's own fields so domain functions see only their input. */
function withoutCallback<T extends { callbackUrl?: string; batchId?: string }>(data: T): Omit<T, 'callbackUrl' | 'batchId'> {
  const { callbackUrl: _, batchId: __, ...rest } = data;
  return rest;
}

/** The job's input without the platform's fields, and the organization it acts for. */
function splitOwner<T extends { callbackUrl?: string; organizationId?: string; userId?: string }>(data: T) {
  const { organizationId, userId: _, ...input } = withoutCallback(data);
  // Jobs queued before organizations carry none: they belong to the default one.
  return { input, owner: { organizationId: organizationId ?? DEFAULT_ORGANIZATION } };
}

/** The handler of every entry, wired to its domain package. */
export function createHandlers(deps: HandlerDeps): Handlers {
  const verificationInput = (data: { contentHash: string; registryAddress: string; manifestUri: string; fileName?: string | undefined }) => ({
    contentHash: data.contentHash as `0x${string}`,
    registryAddress: data.registryAddress as `0x${string}`,
    manifestUri: data.manifestUri,
    ...(data.fileName ? { fileName: data.fileName } : {}),
  });
  const tasks = () => {
    if (!deps.tasks) throw new Error('this process was not given what the tasks need');
    return deps.tasks;
  };
  return {
    verify: (data, ctx) => deps.verifier.verify(verificationInput(data), ctx),
    proof: (data, ctx) => deps.verifier.proof(verificationInput(data), ctx),
    // The job id doubles as the credential id, so a retried job returns the credential it made
    // (a first attempt has none to look for).
    'issue-credential': (data, ctx) => deps.credentials.credentials.issue({ ...withoutCallback(data), id: ctx.jobId }, { firstAttempt: ctx.attempt === 1 }),
    'verify-credential': (data) => deps.credentials.credentials.verify(splitOwner(data).input),
    // Keyed by the job id too: a re-run returns the DID the first run stored (no second key).
    'did-create': (data, ctx) => {
      const { input, owner } = splitOwner(data);
      return deps.credentials.dids.create(input, owner, { jobId: ctx.jobId });
    },
    // A re-run of an update already applied changes nothing (no second key rotation).
    'did-update': (data, ctx) => {
      const {
        input: { did, ...update },
        owner,
      } = splitOwner(data);
      return deps.credentials.dids.update(did, update, owner, { jobId: ctx.jobId });
    },
    // Idempotent by nature: deactivating a deactivated DID returns it as it is.
    'did-deactivate': (data) => deps.credentials.dids.deactivate(data.did, splitOwner(data).owner),
    'webhook-deliver': async (data, ctx) => {
      const delivery = deps.deliveries ? await deps.deliveries.get(data.deliveryId) : null;
      return deps.webhooks.deliver(data.deliveryId, deliveryAttempt(delivery, ctx.attempt, new Date()));
    },
    // Keyed by the job id (its Message-ID and its sent record): a re-run returns what the first run sent.
    'email-send': (data, ctx) => {
      const { input, owner } = splitOwner(data);
      return deps.emails.send(input, { jobId: ctx.jobId, organizationId: owner.organizationId });
    },
    'vc-events': (_data, ctx) => {
      const { vcEvents } = tasks();
      if (!vcEvents.configured) return Promise.reject(new NotConfiguredError(ANALYTICS_NOT_CONFIGURED));
      return vcEvents.run({ signal: ctx.signal, logger: ctx.log });
    },
    'webhook-retry-sweep': (data, ctx) => {
      const t = tasks();
      return sweepWebhookDeliveries({
        db: t.db,
        store: t.store,
        queues: t.queues,
        platform: t.platform(),
        webhooks: t.webhooks,
        logger: ctx.log,
        // Someone asking now means now; a tick leaves a delivery that is just due to its own job.
        graceMs: data.trigger === 'manual' ? 0 : t.settings.sweepGraceMs,
        signal: ctx.signal,
      });
    },
    cleanup: (_data, ctx) => {
      const { db, settings } = tasks();
      return cleanup({
        db,
        jobRetentionDays: settings.jobRetentionDays,
        webhookRetentionDays: settings.webhookRetentionDays,
        batchSize: settings.cleanupBatchSize,
        keepLatestOf: [...taskNames],
        logger: ctx.log,
        signal: ctx.signal,
      });
    },
    redrive: (data, ctx) => {
      const t = tasks();
      return redrive({ db: t.db, admin: new QueueAdmin({ platform: t.platform(), queues: t.queues }) }, data, ctx);
    },
    reconcile: async (_data, ctx) => {
      const t = tasks();
      if (!t.queues?.isAvailable()) return { checked: 0, readded: 0, closed: 0, skipped: 'the queue backend is unavailable' };
      const finishedHook = t.platform().finishedHook;
      return reconcile({
        store: t.store,
        queues: t.queues,
        logger: ctx.log,
        graceMs: t.settings.reconcileGraceMs,
        ...(t.reconcileObserver ? { observer: t.reconcileObserver } : {}),
        ...(finishedHook ? { onFinished: finishedHook } : {}),
      });
    },
  };
}

/** Every queue of vcq's catalog, each once. */
export const queueNames: string[] = queuesOf(baseCatalog);
