/**
 * vcq's environment, as one zod schema. `loadConfig(env)` is the only place that
 * reads environment variables; everything else receives the typed `Config`.
 */
import { z } from 'zod';

const MiB = 1024 * 1024;

/** "true"/"false"/"1"/"0"/"yes"/"no" — `z.coerce.boolean()` would read "false" as true. */
const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int({ message: 'must be a whole number' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` });

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
    );

export const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: int(0, 65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

    DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgresql://postgres@127.0.0.1:5432/vcq'),
    DATABASE_POOL_SIZE: int(1, 200).default(10),
    REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
    // Only the Redis backend ships in this release; the value is accepted so a
    // deployment can be configured ahead of the PostgreSQL backend (see README).
    QUEUE_BACKEND: z.enum(['redis', 'postgres'], { message: 'must be redis or postgres' }).default('redis'),
    // Namespaces every Redis key, so several vcq deployments (or test runs) can share one Redis.
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be 1-64 letters, digits, _ or -' })
      .default('vcq'),
    FALLBACK_MODE: z.enum(['sync', 'reject'], { message: 'must be sync or reject' }).default('sync'),
    // How long the API waits for Redis before treating it as down. Invariant 6: the
    // API notices within about a second rather than hanging on an offline queue.
    REDIS_TIMEOUT_MS: int(50, 60_000).default(1000),

    API_KEYS: z
      .string()
      .optional()
      .transform((v) =>
        (v ?? '')
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean),
      ),

    QUEUE_CONCURRENCY: int(1, 1000).default(10),
    // Override every job type's catalog attempts/backoff (the catalog default is 3
    // attempts, exponential backoff from 5 s). Unset: the catalog decides per type.
    JOB_ATTEMPTS: int(1, 100).optional(),
    JOB_BACKOFF_MS: int(0, 86_400_000).optional(),
    // A killed worker's jobs return to the queue after their lock expires.
    WORKER_LOCK_MS: int(1000, 600_000).default(30_000),
    WORKER_STALLED_INTERVAL_MS: int(500, 600_000).default(30_000),
    // Periodic work in the worker (today: the reconciler). Off means queued rows that
    // Redis lost are only re-added by a worker's start-up pass.
    ENABLE_TASK_SCHEDULING: booleanFromEnv.default(true),

    // Queued rows that Redis does not hold are re-added this often by the worker.
    RECONCILE_INTERVAL_MS: int(100, 86_400_000).default(10_000),
    // A row must be this old before the reconciler looks at it, so it does not race
    // the API's own add right after the commit.
    RECONCILE_GRACE_MS: int(0, 86_400_000).default(5000),
    // Status/progress writes are coalesced for this long and flushed as one statement.
    WRITE_FLUSH_MS: int(0, 1000).default(5),
    WRITE_BATCH_MAX: int(1, 10_000).default(500),
    SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(30_000),

    MAX_UPLOAD_BYTES: int(1).default(100 * MiB),
    RPC_URL: url(['http:', 'https:']).default('http://127.0.0.1:8545'),
    REGISTRY_ADDRESS: z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, { message: 'must be a 0x-prefixed 20-byte hex address' })
      .optional(),
    REGISTRY_FROM_BLOCK: int(0).default(0),
    IPFS_GATEWAY_URL: url(['http:', 'https:']).default('http://127.0.0.1:8080'),
    MANIFEST_FETCH_TIMEOUT_MS: int(100, 120_000).default(10_000),
    MANIFEST_MAX_BYTES: int(1, 64 * MiB).default(1 * MiB),
  })
  .superRefine((cfg, ctx) => {
    // An API without keys would be open to anyone; a local default is only safe off production.
    if (cfg.NODE_ENV === 'production' && cfg.API_KEYS.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['API_KEYS'], message: 'is required in production (comma-separated keys)' });
    }
  })
  .transform((cfg) => ({
    ...cfg,
    API_KEYS: cfg.API_KEYS.length > 0 ? cfg.API_KEYS : ['dev-local-key'],
  }));

export type Config = z.infer<typeof ConfigSchema>;

/** Thrown when the environment is invalid; `problems` has one line per variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses and validates the environment into a typed Config (throws ConfigError). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset" so `FOO=` in a compose file falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const key = issue.path.join('.') || '(environment)';
      const value = typeof issue.path[0] === 'string' ? cleaned[issue.path[0]] : undefined;
      const shown = value === undefined || /KEY|SECRET|PASSWORD|URL/.test(key) ? '' : ` (got "${value}")`;
      return `${key} ${issue.message}${shown}`;
    }),
  );
}

/** loadConfig for entry points: on bad config, print each problem and exit 1. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`vcq: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
