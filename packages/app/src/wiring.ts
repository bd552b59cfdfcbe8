/**
 * Construction shared by the API and the worker, from config: the same store
 * settings, catalog, handlers and platform on both sides.
 */
import { keyBytes, type Config } from '@vcq/config';
import { createCredentialsService, createVcApiIssuerBackend, type CredentialsService } from '@vcq/credentials';
import { createDb, JobStore, type Db } from '@vcq/db';
import { createEgressClient, type EgressClient } from '@vcq/egress';
import { createEmailSender, type EmailSender, loadTemplates } from '@vcq/emails';
import type { Logger } from '@vcq/logger';
import { createVcEventsService, type VcEventsService } from '@vcq/vc-events';
import { createLazyVerifier } from '@vcq/verification/lazy';
import { resolveManifestUrl } from '@vcq/verification/manifest-uri';
import { checkCallbackUrl, createWebhookDeliverer, createWebhookStore, type WebhookDelivererDeps } from '@vcq/webhooks';
import { JobPlatform as EnginePlatform, type QueueBackend, queueBackendFromConfig, type QueueSet, type ReconcileObserver } from '@vcq/jobs';
import { chainHooks, createBatchHook } from './batches.js';
import { createCallbackHook } from './callbacks.js';
import { catalogFromConfig, createHandlers, type Handlers, type JobPlatform, type JobResults, type VcqCatalog } from './catalog.js';

/** The Prisma client and the job store (with its write buffer) for a process. */
export function createStoreFromConfig(config: Config, logger: Logger): { db: Db; store: JobStore } {
  const db = createDb(config.DATABASE_URL, {
    poolSize: config.DATABASE_POOL_SIZE,
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: config.DATABASE_QUERY_TIMEOUT_MS,
  });
  const store = new JobStore(db, {
    flushMs: config.WRITE_FLUSH_MS,
    maxBatch: config.WRITE_BATCH_MAX,
    startDelayMs: config.WRITE_START_DELAY_MS,
    onError: (error, count) => logger.error({ err: error, count }, 'job write flush failed'),
  });
  return { db, store };
}

/**
 * The process's one egress client: every request made on a caller's behalf (manifests,
 * the IPFS gateway, did:web documents, status lists, webhooks, the remote VC API
 * issuer) goes through it. Only EGRESS_ALLOW_PRIVATE_HOSTS may be private.
 */
export function egressFromConfig(config: Config, logger?: Logger): EgressClient {
  return createEgressClient({
    allowPrivateHosts: config.EGRESS_ALLOW_PRIVATE_HOSTS,
    timeoutMs: config.MANIFEST_FETCH_TIMEOUT_MS,
    maxBytes: config.MANIFEST_MAX_BYTES,
    ...(logger ? { log: logger } : {}),
  });
}

/** The credentials/DID service with the configured issuer backend; its fetches go through `egress`. */
export function credentialsFromConfig(config: Config, db: Db, egress: EgressClient): CredentialsService {
  return createCredentialsService({
    db,
    keyEncryptionKey: keyBytes(config.KEY_ENCRYPTION_KEY) as Buffer,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    didWebAllowHttpHosts: config.DID_WEB_ALLOW_HTTP_HOSTS,
    fetchTimeoutMs: config.MANIFEST_FETCH_TIMEOUT_MS,
    egress,
    statusListTtlMs: config.STATUS_LIST_TTL,
    defaultFormat: config.CREDENTIAL_FORMAT,
    statusListValidityMs: config.STATUS_LIST_VALIDITY,
    ...(config.ISSUER_BACKEND === 'vc-api' && config.VC_API_URL
      ? {
          issuerBackend: createVcApiIssuerBackend({
            url: config.VC_API_URL,
            ...(config.VC_API_TOKEN ? { token: config.VC_API_TOKEN } : {}),
            fetchTimeoutMs: config.MANIFEST_FETCH_TIMEOUT_MS,
            egress,
          }),
        }
      : {}),
  });
}

/**
 * The submit-time check of a job's outbound destinations: a callbackUrl or manifestUri
 * the egress policy refuses is a 400 naming the field, before any row is written. A
 * manifest host that does not resolve yet is left to the job (it retries); a callback
 * host that does not resolve is refused, as it is most likely a typo.
 */
export function destinationCheck(config: Config, egress: EgressClient): (data: Record<string, unknown>) => Promise<void> {
  return async (data) => {
    if (typeof data.callbackUrl === 'string') await checkCallbackUrl(data.callbackUrl, egress);
    if (typeof data.manifestUri === 'string') {
      // Throws the same 400 the route would for a malformed URI (an ipfs:// path escaping its CID included).
      const url = resolveManifestUrl(data.manifestUri, config.IPFS_GATEWAY_URL);
      await egress.checkDestination(url, { field: 'manifestURI', allowUnknownHost: true });
    }
  };
}

/** The email sender from config (SMTP_URL, EMAIL_*); the templates are read and compiled once, here. */
export function emailsFromConfig(config: Config, db: Db): EmailSender {
  return createEmailSender({
    db,
    smtpUrl: config.SMTP_URL ?? null,
    from: config.EMAIL_FROM,
    templates: config.EMAIL_TEMPLATES_DIR ? loadTemplates(config.EMAIL_TEMPLATES_DIR) : loadTemplates(),
    maxAttachmentBytes: config.EMAIL_MAX_ATTACHMENT_BYTES,
    timeoutMs: config.EMAIL_SMTP_TIMEOUT_MS,
    messageIdDomain: new URL(config.PUBLIC_BASE_URL).hostname || 'vcq.local',
  });
}

export interface Services {
  catalog: VcqCatalog;
  emails: EmailSender;
  handlers: Handlers;
  credentials: CredentialsService;
  webhooks: ReturnType<typeof createWebhookStore>;
  platform: JobPlatform;
  vcEvents: VcEventsService;
}

/** vcq's queue backend from config, over vcq's catalog as the environment sets it. */
export function backendFromConfig(config: Config, logger: Logger, options: { consumer: boolean }): Promise<QueueBackend<VcqCatalog>> {
  return queueBackendFromConfig(config, logger, { ...options, catalog: catalogFromConfig(config) });
}

/** The VC-event service (window runs and single events) from config. */
export function vcEventsFromConfig(config: Config, deps: { db: Db; credentials: CredentialsService; logger: Logger }): VcEventsService {
  return createVcEventsService({
    db: deps.db,
    analytics: config.ANALYTICS_API_URL
      ? {
          baseUrl: config.ANALYTICS_API_URL,
          ...(config.ANALYTICS_API_KEY ? { apiKey: config.ANALYTICS_API_KEY } : {}),
          timeoutMs: config.ANALYTICS_API_TIMEOUT_MS,
          pageSize: config.ANALYTICS_API_PAGE_SIZE,
          maxPages: config.ANALYTICS_API_MAX_PAGES,
        }
      : null,
    revoke: (id) => deps.credentials.credentials.revoke(id),
    typeMap: config.VC_EVENTS_TYPE_MAP,
    lookbackMs: config.VC_EVENTS_LOOKBACK,
    maxWindowMs: config.VC_EVENTS_MAX_WINDOW,
    logger: deps.logger,
  });
}

/** Everything both processes run jobs and tasks with: handlers, domain services and the platform. */
export function createServices(
  config: Config,
  deps: {
    db: Db;
    store: JobStore;
    queues: QueueSet<VcqCatalog> | null;
    logger: Logger;
    webhookObserver?: WebhookDelivererDeps['observer'];
    reconcileObserver?: ReconcileObserver;
  },
): Services {
  const egress = egressFromConfig(config, deps.logger);
  const credentials = credentialsFromConfig(config, deps.db, egress);
  const webhooks = createWebhookStore(deps.db);
  const deliverer = createWebhookDeliverer({
    db: deps.db,
    secret: config.WEBHOOK_SIGNING_SECRET,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    egress,
    schedule: config.WEBHOOK_RETRY_SCHEDULE_MS,
    log: deps.logger,
    ...(deps.webhookObserver ? { observer: deps.webhookObserver } : {}),
  });
  const vcEvents = vcEventsFromConfig(config, { db: deps.db, credentials, logger: deps.logger });
  const catalog = deps.queues?.catalog ?? catalogFromConfig(config);
  const emails = emailsFromConfig(config, deps.db);
  const handlers = createHandlers({
    emails,
    verifier: createLazyVerifier({
      egress,
      rpcUrl: config.RPC_URL,
      ipfsGatewayUrl: config.IPFS_GATEWAY_URL,
      fetchTimeoutMs: config.MANIFEST_FETCH_TIMEOUT_MS,
      maxManifestBytes: config.MANIFEST_MAX_BYTES,
      registryFromBlock: BigInt(config.REGISTRY_FROM_BLOCK),
    }),
    credentials,
    webhooks: deliverer,
    deliveries: webhooks,
    tasks: {
      db: deps.db,
      store: deps.store,
      queues: deps.queues,
      platform: () => platform,
      webhooks,
      vcEvents,
      settings: {
        reconcileGraceMs: config.RECONCILE_GRACE_MS,
        sweepGraceMs: config.WEBHOOK_RETRY_SWEEP_GRACE_MS,
        jobRetentionDays: config.JOB_RETENTION_DAYS,
        webhookRetentionDays: config.WEBHOOK_CLEANUP_RETENTION_DAYS,
        cleanupBatchSize: config.CLEANUP_BATCH_SIZE,
      },
      ...(deps.reconcileObserver ? { reconcileObserver: deps.reconcileObserver } : {}),
    },
  });
  // A job's own webhook first, then its batch's (once the batch's last child has ended).
  const callback = createCallbackHook({ webhooks, platform: () => platform, logger: deps.logger });
  const finished = chainHooks(callback, createBatchHook({ store: deps.store, parentHook: callback }));
  const platform: JobPlatform = new EnginePlatform<VcqCatalog, JobResults>({
    catalog,
    store: deps.store,
    queues: deps.queues,
    handlers,
    logger: deps.logger,
    fallbackMode: config.FALLBACK_MODE,
    syncLeaseMs: config.SYNC_LEASE_MS,
    maxJobAttempts: config.MAX_JOB_ATTEMPTS,
    checkDestinations: destinationCheck(config, egress),
    onFinished: finished,
  });
  return { catalog, emails, handlers, credentials, webhooks, platform, vcEvents };
}
