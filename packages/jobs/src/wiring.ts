/**
 * Construction shared by the API and the worker, from config: the same store
 * settings, handlers and job-option overrides on both sides.
 */
import type { Config } from '@vcq/config';
import { createDb, JobStore, type Db } from '@vcq/db';
import type { Logger } from '@vcq/logger';
import { createVerifier } from '@vcq/verification';
import type { JobOptions } from './catalog.js';
import { createHandlers } from './handlers.js';
import type { Handlers } from './processor.js';

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

/** Every job's handler, wired to its domain package's settings. */
export function handlersFromConfig(config: Config): Handlers {
  return createHandlers({
    verifier: createVerifier({
      rpcUrl: config.RPC_URL,
      ipfsGatewayUrl: config.IPFS_GATEWAY_URL,
      fetchTimeoutMs: config.MANIFEST_FETCH_TIMEOUT_MS,
      maxManifestBytes: config.MANIFEST_MAX_BYTES,
      registryFromBlock: BigInt(config.REGISTRY_FROM_BLOCK),
    }),
  });
}

/** `JOB_ATTEMPTS` / `JOB_BACKOFF_MS`, when set, override every catalog entry. */
export function jobOverridesFromConfig(config: Config): Partial<JobOptions> {
  return {
    ...(config.JOB_ATTEMPTS !== undefined ? { attempts: config.JOB_ATTEMPTS } : {}),
    ...(config.JOB_BACKOFF_MS !== undefined ? { backoffMs: config.JOB_BACKOFF_MS } : {}),
  };
}
