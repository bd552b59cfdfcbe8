/**
 * Construction shared by the API and the worker, from config: the same store
 * settings, handlers and job-option overrides on both sides.
 */
import { keyBytes, type Config } from '@vcq/config';
import { createCredentialsService, createVcApiIssuerBackend, type CredentialsService } from '@vcq/credentials';
import { createDb, JobStore, type Db } from '@vcq/db';
import type { Logger } from '@vcq/logger';
import { createVerifier } from '@vcq/verification';
import { checkCallbackUrl, createWebhookDeliverer, createWebhookStore, type WebhookDelivererDeps } from '@vcq/webhooks';
import { createCallbackHook } from './callbacks.js';
import type { JobName, JobOptions } from './catalog.js';
import { createHandlers } from './handlers.js';
import { JobPlatform } from './platform.js';
import type { Handlers } from './processor.js';
import type { QueueSet } from './queues.js';

/** The Prisma client and the job store (with its write buffer) for a process. */
export function createStoreFromConfig(config: Config, logger: Logger): { db: Db; store: JobStore } {
  const db = createDb(config.DATABASE_URL, { poolSize: config.DATABASE_POOL_SIZE });
  const store = new JobStore(db, {
    flushMs: config.WRITE_FLUSH_MS,
    maxBatch: config.WRITE_BATCH_MAX,
    onError: (error, count) => logger.error({ err: error, count }, 'job write flush failed'),
  });
  return { db, store };
}

/** The credentials/DID service with the configured issuer backend. */
export function credentialsFromConfig(config: Config, db: Db): CredentialsService {
  return createCredentialsService({
    db,
    keyEncryptionKey: keyBytes(config.KEY_ENCRYPTION_KEY) as Buffer,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    didWebAllowHttpHosts: config.DID_WEB_ALLOW_HTTP_HOSTS,
    fetchTimeoutMs: config.MANIFEST_FETCH_TIMEOUT_MS,
    // Caller-named did:web hosts and status lists get the same public-address check as callbacks.
    checkOutboundUrl: (url) => checkCallbackUrl(url.href, { allowPrivate: false, phase: 'delivery', field: 'did:web / status list URL' }),
    ...(config.ISSUER_BACKEND === 'vc-api' && config.VC_API_URL
      ? {
          issuerBackend: createVcApiIssuerBackend({
            url: config.VC_API_URL,
            ...(config.VC_API_TOKEN ? { token: config.VC_API_TOKEN } : {}),
            fetchTimeoutMs: config.MANIFEST_FETCH_TIMEOUT_MS,
          }),
        }
      : {}),
  });
}

export interface Services {
  handlers: Handlers;
  credentials: CredentialsService;
  webhooks: ReturnType<typeof createWebhookStore>;
  platform: JobPlatform;
}

/** Everything both processes run jobs with: handlers, domain services and the platform. */
export function createServices(
  config: Config,
  deps: { db: Db; store: JobStore; queues: QueueSet | null; logger: Logger; webhookObserver?: WebhookDelivererDeps['observer'] },
): Services {
  const credentials = credentialsFromConfig(config, deps.db);
  const webhooks = createWebhookStore(deps.db);
  const deliverer = createWebhookDeliverer({
    db: deps.db,
    secret: config.WEBHOOK_SIGNING_SECRET,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
    schedule: config.WEBHOOK_RETRY_SCHEDULE_MS,
    log: deps.logger,
    ...(deps.webhookObserver ? { observer: deps.webhookObserver } : {}),
  });
  const handlers = createHandlers({
    verifier: createVerifier({
      rpcUrl: config.RPC_URL,
      ipfsGatewayUrl: config.IPFS_GATEWAY_URL,
      fetchTimeoutMs: config.MANIFEST_FETCH_TIMEOUT_MS,
      maxManifestBytes: config.MANIFEST_MAX_BYTES,
      registryFromBlock: BigInt(config.REGISTRY_FROM_BLOCK),
    }),
    credentials,
    webhooks: deliverer,
  });
  const platform: JobPlatform = new JobPlatform({
    store: deps.store,
    queues: deps.queues,
    handlers,
    logger: deps.logger,
    fallbackMode: config.FALLBACK_MODE,
    checkCallbackUrl: (url) => checkCallbackUrl(url, { allowPrivate: config.WEBHOOK_ALLOW_PRIVATE }),
    onFinished: createCallbackHook({ webhooks, platform: () => platform, logger: deps.logger }),
  });
  return { handlers, credentials, webhooks, platform };
}

/**
 * The queues' option overrides: `JOB_ATTEMPTS` / `JOB_BACKOFF_MS`, when set, for every
 * job; webhook deliveries get one attempt more than their retry schedule has delays.
 */
export function queueOverridesFromConfig(config: Config): { overrides: Partial<JobOptions>; perJob: Partial<Record<JobName, Partial<JobOptions>>> } {
  return {
    overrides: {
      ...(config.JOB_ATTEMPTS !== undefined ? { attempts: config.JOB_ATTEMPTS } : {}),
      ...(config.JOB_BACKOFF_MS !== undefined ? { backoffMs: config.JOB_BACKOFF_MS } : {}),
    },
    perJob: { 'webhook-deliver': { attempts: config.WEBHOOK_RETRY_SCHEDULE_MS.length + 1 } },
  };
}
