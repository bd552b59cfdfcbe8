/** The handler of every task in the task catalog, wired to its domain code. */
import type { Db, JobStore } from '@vcq/db';
import { AppError } from '@vcq/errors';
import type { VcEventsService } from '@vcq/vc-events';
import type { WebhookStore } from '@vcq/webhooks';
import { cleanup, sweepWebhookDeliveries } from './maintenance.js';
import type { JobPlatform } from './platform.js';
import type { QueueSet } from './queues.js';
import { type ReconcileObserver, reconcile } from './reconciler.js';
import type { TaskHandlers } from './tasks.js';

export interface TaskHandlerDeps {
  db: Db;
  store: JobStore;
  queues: QueueSet | null;
  platform: JobPlatform;
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

/** Why the vc-events task cannot run without an analytics API. */
export const ANALYTICS_NOT_CONFIGURED = 'VC events need an analytics API: set ANALYTICS_API_URL (and ANALYTICS_API_KEY)';

/** Thrown by a vc-events run when there is no analytics API to read. */
export class NotConfiguredError extends AppError {
  override name = 'NotConfiguredError';
  constructor(message: string) {
    super('not_configured', 409, message);
  }
}

export function createTaskHandlers(deps: TaskHandlerDeps): TaskHandlers {
  const { settings } = deps;
  return {
    'vc-events': (ctx) => {
      if (!deps.vcEvents.configured) {
        return Promise.reject(new NotConfiguredError(ANALYTICS_NOT_CONFIGURED));
      }
      return deps.vcEvents.run({ signal: ctx.signal, logger: ctx.log });
    },
    'webhook-retry-sweep': (ctx) =>
      sweepWebhookDeliveries({
        db: deps.db,
        store: deps.store,
        queues: deps.queues,
        platform: deps.platform,
        webhooks: deps.webhooks,
        logger: ctx.log,
        // Someone asking now means now; a tick leaves a delivery that is just due to its own job.
        graceMs: ctx.trigger === 'manual' ? 0 : settings.sweepGraceMs,
        signal: ctx.signal,
      }),
    cleanup: (ctx) =>
      cleanup({
        db: deps.db,
        jobRetentionDays: settings.jobRetentionDays,
        webhookRetentionDays: settings.webhookRetentionDays,
        batchSize: settings.cleanupBatchSize,
        logger: ctx.log,
        signal: ctx.signal,
      }),
    reconcile: async (ctx) => {
      if (!deps.queues?.isAvailable()) return { checked: 0, readded: 0, closed: 0, skipped: 'the queue backend is unavailable' };
      return reconcile({
        store: deps.store,
        queues: deps.queues,
        logger: ctx.log,
        graceMs: settings.reconcileGraceMs,
        ...(deps.reconcileObserver ? { observer: deps.reconcileObserver } : {}),
        ...(deps.platform.finishedHook ? { onFinished: deps.platform.finishedHook } : {}),
      });
    },
  };
}
