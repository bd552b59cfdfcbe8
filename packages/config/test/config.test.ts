import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { ConfigError, loadConfig, parseApiKeys } from '../src/index.js';

describe('loadConfig', () => {
  it('when the environment is empty, then local-development defaults apply', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_URL).toBe('postgresql://postgres@127.0.0.1:5432/vcq');
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.QUEUE_BACKEND).toBe('redis');
    expect(config.FALLBACK_MODE).toBe('sync');
    expect(config.MAX_UPLOAD_BYTES).toBe(100 * 1024 * 1024);
    expect(config.API_KEYS).toEqual(['dev-local-key']);
    expect(config.ENABLE_TASK_SCHEDULING).toBe(true);
    expect(config.JOB_ATTEMPTS).toBeUndefined();
    expect(config.SYNC_LEASE_MS).toBe(30_000);
  });

  it('when MAX_JOB_ATTEMPTS is unset, set or below JOB_ATTEMPTS, then it is 10, read, or refused naming it', () => {
    expect(loadConfig({}).MAX_JOB_ATTEMPTS).toBe(10);
    expect(loadConfig({ MAX_JOB_ATTEMPTS: '25' }).MAX_JOB_ATTEMPTS).toBe(25);
    expect(() => loadConfig({ MAX_JOB_ATTEMPTS: '0' })).toThrow(/MAX_JOB_ATTEMPTS.*at least 1/);
    expect(() => loadConfig({ MAX_JOB_ATTEMPTS: '3', JOB_ATTEMPTS: '5' })).toThrow(/MAX_JOB_ATTEMPTS.*at least JOB_ATTEMPTS \(5\)/);
  });

  it('when SYNC_LEASE_MS is set, then it is read, and a lease under a second is refused naming the bound', () => {
    expect(loadConfig({ SYNC_LEASE_MS: '5000' }).SYNC_LEASE_MS).toBe(5000);
    expect(() => loadConfig({ SYNC_LEASE_MS: '200' })).toThrow(/SYNC_LEASE_MS/);
  });

  it('when values are given as strings, then they are coerced to their types', () => {
    const config = loadConfig({
      PORT: '8080',
      API_KEYS: ' key-aaaa , key-bbbb,,key-cccc ',
      ENABLE_TASK_SCHEDULING: 'false',
      QUEUE_CONCURRENCY: '25',
      JOB_BACKOFF_MS: '100',
    });
    expect(config.PORT).toBe(8080);
    expect(config.API_KEYS).toEqual(['key-aaaa', 'key-bbbb', 'key-cccc']);
    expect(config.ENABLE_TASK_SCHEDULING).toBe(false);
    expect(config.QUEUE_CONCURRENCY).toBe(25);
    expect(config.JOB_BACKOFF_MS).toBe(100);
  });

  it('when QUEUE_LIMITS is set, then each queue\'s concurrency and rate limit are read; malformed limits are refused naming the field', () => {
    expect(loadConfig({}).QUEUE_LIMITS).toEqual({});
    const config = loadConfig({ QUEUE_LIMITS: '{"verification":{"concurrency":20,"limiter":{"max":50,"duration":1000}},"webhooks":{"concurrency":5}}' });
    expect(config.QUEUE_LIMITS).toEqual({ verification: { concurrency: 20, limiter: { max: 50, duration: 1000 } }, webhooks: { concurrency: 5 } });
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        return (error as ConfigError).problems.join('\n');
      }
      return '';
    };
    expect(problems({ QUEUE_LIMITS: 'not json' })).toMatch(/^QUEUE_LIMITS must be a JSON object/);
    expect(problems({ QUEUE_LIMITS: '{"verification":{"limiter":{"max":0,"duration":1000}}}' })).toMatch(/QUEUE_LIMITS verification\.limiter\.max must be a whole number >= 1/);
    expect(problems({ QUEUE_LIMITS: '{"verification":{"concurrency":0}}' })).toMatch(/QUEUE_LIMITS verification\.concurrency/);
    expect(problems({ QUEUE_LIMITS: '{"verification":{"rate":3}}' })).toMatch(/QUEUE_LIMITS verification/);
  });

  it('when WORKER_DEAD_AFTER_MS is under twice WORKER_HEARTBEAT_MS, then it is refused naming both', () => {
    expect(loadConfig({}).WORKER_DEAD_AFTER_MS).toBe(20_000);
    expect(loadConfig({ WORKER_HEARTBEAT_MS: '200', WORKER_DEAD_AFTER_MS: '400' }).WORKER_DEAD_AFTER_MS).toBe(400);
    expect(() => loadConfig({ WORKER_HEARTBEAT_MS: '5000', WORKER_DEAD_AFTER_MS: '6000' })).toThrow(/WORKER_DEAD_AFTER_MS must be at least twice WORKER_HEARTBEAT_MS/);
  });

  it('when REDIS_ALLOW_EVICTION is unset, then eviction is refused; true allows it and a non-boolean is refused by name', () => {
    expect(loadConfig({}).REDIS_ALLOW_EVICTION).toBe(false);
    expect(loadConfig({ REDIS_ALLOW_EVICTION: 'true' }).REDIS_ALLOW_EVICTION).toBe(true);
    expect(() => loadConfig({ REDIS_ALLOW_EVICTION: 'sometimes' })).toThrow(/REDIS_ALLOW_EVICTION .*must be true or false/);
  });

  it('when REDIS_MODE is unset, then Redis is one server and QUEUE_PREFIX is kept as given', () => {
    const config = loadConfig({ QUEUE_PREFIX: 'acme' });
    expect(config.REDIS_MODE).toBe('standalone');
    expect(config.QUEUE_PREFIX).toBe('acme');
    expect(config.REDIS_CLUSTER_NODES).toEqual([]);
  });

  it('when REDIS_MODE=cluster, then the prefix gets a hash tag and the seeds are REDIS_CLUSTER_NODES, or else REDIS_URL', () => {
    const listed = loadConfig({ REDIS_MODE: 'cluster', QUEUE_PREFIX: 'acme', REDIS_CLUSTER_NODES: 'redis-a:7000, redis-b:7001,[::1]:7002' });
    expect(listed.QUEUE_PREFIX).toBe('{acme}');
    expect(listed.REDIS_CLUSTER_NODES).toEqual(['redis-a:7000', 'redis-b:7001', '[::1]:7002']);
    const seeded = loadConfig({ REDIS_MODE: 'cluster', QUEUE_PREFIX: '{acme}', REDIS_URL: 'rediss://user:pw@redis.internal:6380' });
    expect(seeded.QUEUE_PREFIX).toBe('{acme}');
    expect(seeded.REDIS_CLUSTER_NODES).toEqual(['redis.internal:6380']);
  });

  it('when a cluster setting does not fit, then the variable is named with what to do', () => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis-a:7000' })).toThrow(/REDIS_CLUSTER_NODES .*REDIS_MODE is not cluster/);
    expect(() => loadConfig({ REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: 'redis-a' })).toThrow(/REDIS_CLUSTER_NODES .*entry "redis-a" must be host:port/);
    expect(() => loadConfig({ REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: 'redis-a:99999' })).toThrow(/REDIS_CLUSTER_NODES .*must be host:port/);
    expect(() => loadConfig({ REDIS_MODE: 'cluster', REDIS_URL: 'redis://redis-a:7000/2' })).toThrow(/REDIS_URL .*only has database 0/);
    expect(() => loadConfig({ REDIS_MODE: 'cluster', QUEUE_BACKEND: 'postgres' })).toThrow(/REDIS_MODE .*QUEUE_BACKEND is not redis/);
    expect(() => loadConfig({ REDIS_MODE: 'replicated' })).toThrow(/REDIS_MODE .*must be standalone, cluster or sentinel/);
    expect(() => loadConfig({ REDIS_MODE: 'sentinel' })).toThrow(/REDIS_SENTINELS .*is required.*\n.*REDIS_SENTINEL_NAME .*is required/s);
    expect(() => loadConfig({ REDIS_SENTINELS: 's1:26379' })).toThrow(/REDIS_SENTINELS .*REDIS_MODE is not sentinel/);
    expect(loadConfig({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_NAME: 'vcq' }).REDIS_SENTINELS).toEqual(['s1:26379', 's2:26379']);
    expect(() => loadConfig({ QUEUE_PREFIX: '{acme' })).toThrow(/QUEUE_PREFIX .*optionally in braces/);
  });

  it('when a variable is empty, then it counts as unset', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(3000);
  });

  it('when several values are wrong, then each gets its own line naming the variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', FALLBACK_MODE: 'maybe', DATABASE_URL: 'mysql://x', ENABLE_TASK_SCHEDULING: 'perhaps', REGISTRY_ADDRESS: '0x123' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.find((p) => p.startsWith('PORT '))).toMatch(/must be a number/);
    expect(problems.find((p) => p.startsWith('FALLBACK_MODE '))).toMatch(/must be sync or reject.*"maybe"/);
    expect(problems.find((p) => p.startsWith('DATABASE_URL '))).toMatch(/postgres/);
    expect(problems.find((p) => p.startsWith('ENABLE_TASK_SCHEDULING '))).toMatch(/true or false/);
    expect(problems.find((p) => p.startsWith('REGISTRY_ADDRESS '))).toMatch(/20-byte hex address/);
  });

  it('when the email settings are unset, then emails are off with a 512 KiB attachment cap; a wrong SMTP_URL is named without its password', () => {
    const config = loadConfig({});
    expect(config.SMTP_URL).toBeUndefined();
    expect(config.EMAIL_FROM).toBe('vcq <no-reply@localhost>');
    expect(config.EMAIL_MAX_ATTACHMENT_BYTES).toBe(512 * 1024);
    expect(config.LOG_FORMAT).toBe('auto');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT must be auto, json or pretty/);
    expect(loadConfig({ SMTP_URL: 'smtps://u:p@mail.example:465', EMAIL_MAX_ATTACHMENT_BYTES: '1024' })).toMatchObject({
      SMTP_URL: 'smtps://u:p@mail.example:465',
      EMAIL_MAX_ATTACHMENT_BYTES: 1024,
    });
    let error: unknown;
    try {
      loadConfig({ SMTP_URL: 'http://u:hunter2@mail.example', EMAIL_FROM: 'nobody', EMAIL_MAX_ATTACHMENT_BYTES: '-1' });
    } catch (e) {
      error = e;
    }
    const problems = (error as ConfigError).problems;
    expect(problems.find((p) => p.startsWith('SMTP_URL '))).toMatch(/smtp:\/\/ or smtps:\/\//);
    expect(problems.find((p) => p.startsWith('EMAIL_FROM '))).toMatch(/email address/);
    expect(problems.find((p) => p.startsWith('EMAIL_MAX_ATTACHMENT_BYTES '))).toMatch(/at least 0/);
    expect((error as ConfigError).message).not.toContain('hunter2');
  });

  it('when a URL is wrong, then its value is not echoed (it may hold a password)', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://user:hunter2@host' })).toThrow(ConfigError);
    try {
      loadConfig({ REDIS_URL: 'http://user:hunter2@host' });
    } catch (e) {
      expect((e as ConfigError).message).not.toContain('hunter2');
    }
  });

  it('when running in production without API keys or secrets, then start-up is refused naming each', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/API_KEYS is required in production/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/KEY_ENCRYPTION_KEY is required in production/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/WEBHOOK_SIGNING_SECRET is required in production/);
    const prodKey = 'prod-key-0123456789abcdefghijklmn';
    const prod = loadConfig({ NODE_ENV: 'production', API_KEYS: prodKey, KEY_ENCRYPTION_KEY: 'ab'.repeat(32), WEBHOOK_SIGNING_SECRET: 'x'.repeat(32) });
    expect(prod.API_KEYS).toEqual([prodKey]);
    expect(prod.KEY_ENCRYPTION_KEY).toBe('ab'.repeat(32));
  });

  it('when the key-encryption key or webhook schedule is malformed, then the problem is named', () => {
    expect(() => loadConfig({ KEY_ENCRYPTION_KEY: 'short' })).toThrow(/KEY_ENCRYPTION_KEY must be 32 bytes/);
    expect(loadConfig({ KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') }).KEY_ENCRYPTION_KEY).toHaveLength(44);
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE_MS: '10,abc' })).toThrow(/WEBHOOK_RETRY_SCHEDULE_MS must be a comma-separated list/);
    expect(loadConfig({ WEBHOOK_RETRY_SCHEDULE_MS: '10, 20,30' }).WEBHOOK_RETRY_SCHEDULE_MS).toEqual([10, 20, 30]);
    expect(loadConfig({}).WEBHOOK_RETRY_SCHEDULE_MS).toEqual([60_000, 300_000, 900_000, 3_600_000, 21_600_000]);
    expect(() => loadConfig({ ISSUER_BACKEND: 'vc-api' })).toThrow(/VC_API_URL is required when ISSUER_BACKEND=vc-api/);
    expect(loadConfig({}).CREDENTIAL_FORMAT).toBe('jwt_vc_json');
    expect(loadConfig({ CREDENTIAL_FORMAT: 'vc+jwt' }).CREDENTIAL_FORMAT).toBe('vc+jwt');
    expect(loadConfig({ CREDENTIAL_FORMAT: 'di-eddsa-rdfc-2022' }).CREDENTIAL_FORMAT).toBe('di-eddsa-rdfc-2022');
    expect(loadConfig({ CREDENTIAL_FORMAT: 'di-eddsa-jcs-2022' }).CREDENTIAL_FORMAT).toBe('di-eddsa-jcs-2022');
    expect(() => loadConfig({ CREDENTIAL_FORMAT: 'ldp' })).toThrow(/CREDENTIAL_FORMAT must be jwt_vc_json, vc\+jwt, di-eddsa-rdfc-2022 or di-eddsa-jcs-2022/);
  });

  it('when a number is out of range, then the bound is named', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT must be at most 65535/);
    expect(() => loadConfig({ QUEUE_CONCURRENCY: '0' })).toThrow(/QUEUE_CONCURRENCY must be at least 1/);
  });

  it('when API keys carry scopes or hashes, then each parses to a digest and its scopes', () => {
    const hash = createHash('sha256').update('hashed-key-123').digest('hex');
    const config = loadConfig({ API_KEYS: `plain-key-1,reader-key:read,sha256:${hash}:submit+read` });
    const keys = parseApiKeys(config.API_KEYS);
    expect(keys[0]).toEqual({ sha256: createHash('sha256').update('plain-key-1').digest('hex'), scopes: ['submit', 'read', 'admin'], organizationId: 'default' });
    expect(keys[1]?.scopes).toEqual(['read']);
    expect(keys[2]).toEqual({ sha256: hash, scopes: ['submit', 'read'], organizationId: 'default' });
  });

  it('when API keys name an organization after "@", then they belong to it, and without scopes they may submit and read only', () => {
    const hash = createHash('sha256').update('acme-hashed-key').digest('hex');
    const keys = parseApiKeys(loadConfig({ API_KEYS: `acme-key-001@acme,acme-reader:read@acme,sha256:${hash}:submit@acme,ops-key-01:admin@globex,plain-key-1` }).API_KEYS);
    expect(keys.map((k) => [k.organizationId, k.scopes])).toEqual([
      ['acme', ['submit', 'read']],
      ['acme', ['read']],
      ['acme', ['submit']],
      ['globex', ['admin']],
      ['default', ['submit', 'read', 'admin']],
    ]);
    expect(keys[0]?.sha256).toBe(createHash('sha256').update('acme-key-001').digest('hex'));
    expect(keys[2]?.sha256).toBe(hash);
  });

  it('when an organization after "@" is malformed, then the entry is refused naming the rule', () => {
    for (const entry of ['acme-key-001@', 'acme-key-001@ACME', 'acme-key-001@acme corp', `acme-key-001@${'a'.repeat(64)}`, 'acme-key-001@-acme']) {
      expect(() => loadConfig({ API_KEYS: entry }), entry).toThrow(/API_KEYS entry 1 names an invalid organization after "@"/);
    }
  });

  it('when production keys are shorter than 32 characters, then start-up is refused; hashed keys and longer ones load', () => {
    const production = { NODE_ENV: 'production', KEY_ENCRYPTION_KEY: 'ab'.repeat(32), WEBHOOK_SIGNING_SECRET: 'x'.repeat(32) };
    expect(() => loadConfig({ ...production, API_KEYS: `${'k'.repeat(32)},${'s'.repeat(31)}:read@acme` })).toThrow(
      /API_KEYS entry 2 must be at least 32 characters long in production/,
    );
    const hash = createHash('sha256').update('short').digest('hex');
    expect(loadConfig({ ...production, API_KEYS: `${'k'.repeat(32)}@acme,sha256:${hash}:read` }).API_KEYS).toHaveLength(2);
    // Outside production the shorter minimum holds, so local keys stay easy to type.
    expect(loadConfig({ API_KEYS: 'local-key' }).API_KEYS).toEqual(['local-key']);
  });

  it('when an API key entry is malformed, then the entry and the problem are named', () => {
    expect(() => loadConfig({ API_KEYS: 'good-key-1,short' })).toThrow(/API_KEYS entry 2 must be at least 8 characters/);
    expect(() => loadConfig({ API_KEYS: 'good-key-1:root' })).toThrow(/API_KEYS entry 1 has unknown scope\(s\) root/);
    expect(() => loadConfig({ API_KEYS: 'sha256:nothex:read' })).toThrow(/API_KEYS entry 1 must be sha256:<64 hex characters>/);
  });
});

describe('outbound requests', () => {
  it('when EGRESS_ALLOW_PRIVATE_HOSTS is unset, then it names the IPFS gateway and the VC API issuer with their ports', () => {
    expect(loadConfig({}).EGRESS_ALLOW_PRIVATE_HOSTS).toEqual(['127.0.0.1:8080']);
    expect(
      loadConfig({ IPFS_GATEWAY_URL: 'https://gateway.internal/', ISSUER_BACKEND: 'vc-api', VC_API_URL: 'http://[fd00::5]:9000/vc' }).EGRESS_ALLOW_PRIVATE_HOSTS,
    ).toEqual(['gateway.internal:443', '[fd00::5]:9000']);
  });

  it('when EGRESS_ALLOW_PRIVATE_HOSTS is set, then its hosts replace the default', () => {
    expect(loadConfig({ EGRESS_ALLOW_PRIVATE_HOSTS: ' 127.0.0.1 , hooks.internal:8443,,[::1]:9000' }).EGRESS_ALLOW_PRIVATE_HOSTS).toEqual([
      '127.0.0.1',
      'hooks.internal:8443',
      '[::1]:9000',
    ]);
  });

  it.each(['http://hooks.internal', 'hooks.internal/path', '*.internal', 'user@hooks.internal', 'hooks.internal:99999', '::1'])(
    'when an EGRESS_ALLOW_PRIVATE_HOSTS entry is %j, then start-up is refused naming it',
    (entry) => {
      expect(() => loadConfig({ EGRESS_ALLOW_PRIVATE_HOSTS: `127.0.0.1,${entry}` })).toThrow(
        new RegExp(`EGRESS_ALLOW_PRIVATE_HOSTS has "${entry.replace(/[.*]/g, '\\$&')}", which is not a host or host:port`),
      );
    },
  );

  it('when WEBHOOK_ALLOW_PRIVATE is true, then start-up is refused pointing at EGRESS_ALLOW_PRIVATE_HOSTS; false or unset loads', () => {
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'true' })).toThrow(/WEBHOOK_ALLOW_PRIVATE is no longer supported: .*EGRESS_ALLOW_PRIVATE_HOSTS/);
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'false' })).not.toHaveProperty('WEBHOOK_ALLOW_PRIVATE');
    expect(loadConfig({})).not.toHaveProperty('WEBHOOK_ALLOW_PRIVATE');
  });

  it('when an old environment still sets RECONCILE_INTERVAL_MS (never read), then it loads and the setting is dropped', () => {
    const config = loadConfig({ RECONCILE_INTERVAL_MS: '200' });
    expect(config).not.toHaveProperty('RECONCILE_INTERVAL_MS');
    expect(config.RECONCILE_CRON).toBe('* * * * *');
  });
});

describe('scheduled work', () => {
  it('when nothing is set, then every task keeps its documented schedule and the VC-event processor is off', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      TASK_TIMEZONE: 'UTC',
      RECONCILE_ENABLED: true,
      RECONCILE_CRON: '* * * * *',
      WEBHOOK_RETRY_SWEEP_ENABLED: true,
      WEBHOOK_RETRY_SWEEP_CRON: '*/5 * * * *',
      CLEANUP_ENABLED: true,
      CLEANUP_CRON: '0 0 * * *',
      JOB_RETENTION_DAYS: 30,
      WEBHOOK_CLEANUP_RETENTION_DAYS: 30,
      CLEANUP_BATCH_SIZE: 1000,
      VC_EVENTS_ENABLED: false,
      VC_EVENTS_CRON: '0 */2 * * *',
      VC_EVENTS_LOOKBACK: 5 * 60_000,
      VC_EVENTS_MAX_WINDOW: 6 * 3_600_000,
      VC_EVENTS_TYPE_MAP: { record_anchored: 'issued' },
      ANALYTICS_API_TIMEOUT_MS: 10_000,
      ANALYTICS_API_PAGE_SIZE: 100,
    });
    expect(config.ANALYTICS_API_URL).toBeUndefined();
  });

  it('when an analytics API is configured, then the VC-event processor is on unless switched off', () => {
    expect(loadConfig({ ANALYTICS_API_URL: 'https://analytics.example.org' }).VC_EVENTS_ENABLED).toBe(true);
    expect(loadConfig({ ANALYTICS_API_URL: 'https://analytics.example.org', VC_EVENTS_ENABLED: 'false' }).VC_EVENTS_ENABLED).toBe(false);
    expect(() => loadConfig({ VC_EVENTS_ENABLED: 'true' })).toThrow(/ANALYTICS_API_URL is required when VC_EVENTS_ENABLED=true/);
    expect(() => loadConfig({ ANALYTICS_API_URL: 'ftp://analytics' })).toThrow(/ANALYTICS_API_URL must be a URL starting with http:\/\/ or https:\/\//);
  });

  it('when durations are given with units, then they are read as milliseconds, and anything else is named', () => {
    const config = loadConfig({ VC_EVENTS_LOOKBACK: '90s', VC_EVENTS_MAX_WINDOW: '2d' });
    expect(config.VC_EVENTS_LOOKBACK).toBe(90_000);
    expect(config.VC_EVENTS_MAX_WINDOW).toBe(2 * 86_400_000);
    expect(loadConfig({ VC_EVENTS_LOOKBACK: '0' }).VC_EVENTS_LOOKBACK).toBe(0);
    expect(loadConfig({ VC_EVENTS_LOOKBACK: '1500' }).VC_EVENTS_LOOKBACK).toBe(1500);
    expect(() => loadConfig({ VC_EVENTS_LOOKBACK: 'a while' })).toThrow(/VC_EVENTS_LOOKBACK must be a duration such as 30s, 15m, 6h or 7d/);
    expect(() => loadConfig({ VC_EVENTS_MAX_WINDOW: '10ms' })).toThrow(/VC_EVENTS_MAX_WINDOW must be between 1000 ms and 366 days/);
  });

  it('when the published status lists are configured, then ttl and validity are durations, and a copy must hold at least twice its ttl', () => {
    expect(loadConfig({})).toMatchObject({ STATUS_LIST_TTL: 5 * 60_000, STATUS_LIST_VALIDITY: 86_400_000 });
    expect(loadConfig({ STATUS_LIST_TTL: '30s', STATUS_LIST_VALIDITY: '1h' })).toMatchObject({ STATUS_LIST_TTL: 30_000, STATUS_LIST_VALIDITY: 3_600_000 });
    expect(() => loadConfig({ STATUS_LIST_TTL: '1h', STATUS_LIST_VALIDITY: '90m' })).toThrow(/STATUS_LIST_VALIDITY must be at least twice STATUS_LIST_TTL/);
    expect(() => loadConfig({ STATUS_LIST_TTL: '500ms' })).toThrow(/STATUS_LIST_TTL must be between 1000 ms/);
  });

  it('when a cron expression is malformed, then the variable is named, and six fields (seconds first) are accepted', () => {
    expect(loadConfig({ RECONCILE_CRON: '* * * * * *' }).RECONCILE_CRON).toBe('* * * * * *');
    expect(loadConfig({ CLEANUP_CRON: ' 15 2 * * 1 ' }).CLEANUP_CRON).toBe('15 2 * * 1');
    for (const [name, value] of [
      ['CLEANUP_CRON', 'every day'],
      ['VC_EVENTS_CRON', '61 * * * *'],
      ['WEBHOOK_RETRY_SWEEP_CRON', '* * * *'],
      ['RECONCILE_CRON', '* * * * * * *'],
    ] as const) {
      expect(() => loadConfig({ [name]: value }), name).toThrow(new RegExp(`${name} must be a cron expression of 5 fields`));
    }
    expect(() => loadConfig({ TASK_TIMEZONE: 'Mars/Olympus_Mons' })).toThrow(/TASK_TIMEZONE must be an IANA time zone/);
    expect(loadConfig({ TASK_TIMEZONE: 'Europe/Berlin' }).TASK_TIMEZONE).toBe('Europe/Berlin');
  });

  it('when the type map is a list or JSON, then it maps types to statuses, and an unknown status is refused', () => {
    expect(loadConfig({ VC_EVENTS_TYPE_MAP: 'record_anchored:issued, record_revoked:revoked' }).VC_EVENTS_TYPE_MAP).toEqual({
      record_anchored: 'issued',
      record_revoked: 'revoked',
    });
    expect(loadConfig({ VC_EVENTS_TYPE_MAP: '{"record_revoked":"revoked"}' }).VC_EVENTS_TYPE_MAP).toEqual({ record_revoked: 'revoked' });
    expect(() => loadConfig({ VC_EVENTS_TYPE_MAP: 'record_anchored:anchored' })).toThrow(/VC_EVENTS_TYPE_MAP maps "record_anchored" to "anchored" \(allowed: issued, revoked\)/);
    expect(() => loadConfig({ VC_EVENTS_TYPE_MAP: 'record_anchored' })).toThrow(/maps "record_anchored" to nothing/);
    expect(() => loadConfig({ VC_EVENTS_TYPE_MAP: '{"a":' })).toThrow(/VC_EVENTS_TYPE_MAP must be a JSON object or a list/);
  });

  it('when retention or batch sizes are out of range, then the bound is named', () => {
    expect(() => loadConfig({ JOB_RETENTION_DAYS: '0' })).toThrow(/JOB_RETENTION_DAYS must be at least 1/);
    expect(() => loadConfig({ WEBHOOK_CLEANUP_RETENTION_DAYS: 'forever' })).toThrow(/WEBHOOK_CLEANUP_RETENTION_DAYS must be a number/);
    expect(() => loadConfig({ CLEANUP_BATCH_SIZE: '0' })).toThrow(/CLEANUP_BATCH_SIZE must be at least 1/);
  });

  it('when WORKER_CONCURRENCY is set, then it decides the worker concurrency over QUEUE_CONCURRENCY', () => {
    expect(loadConfig({ QUEUE_CONCURRENCY: '4' }).QUEUE_CONCURRENCY).toBe(4);
    expect(loadConfig({ QUEUE_CONCURRENCY: '4', WORKER_CONCURRENCY: '12' }).QUEUE_CONCURRENCY).toBe(12);
    expect(() => loadConfig({ WORKER_CONCURRENCY: '0' })).toThrow(/WORKER_CONCURRENCY must be at least 1/);
  });

  it('when the failed-authentication limit is set, then it is read, 0 turns it off, and a bad value is named', () => {
    const defaults = loadConfig({});
    expect(defaults.AUTH_FAILURE_RATE_LIMIT_POINTS).toBe(30);
    expect(defaults.AUTH_FAILURE_RATE_LIMIT_WINDOW_SECONDS).toBe(60);
    const set = loadConfig({ AUTH_FAILURE_RATE_LIMIT_POINTS: '0', AUTH_FAILURE_RATE_LIMIT_WINDOW_SECONDS: '600' });
    expect(set.AUTH_FAILURE_RATE_LIMIT_POINTS).toBe(0);
    expect(set.AUTH_FAILURE_RATE_LIMIT_WINDOW_SECONDS).toBe(600);
    expect(() => loadConfig({ AUTH_FAILURE_RATE_LIMIT_POINTS: '-1' })).toThrow(/AUTH_FAILURE_RATE_LIMIT_POINTS must be at least 0/);
    expect(() => loadConfig({ AUTH_FAILURE_RATE_LIMIT_WINDOW_SECONDS: '0' })).toThrow(/AUTH_FAILURE_RATE_LIMIT_WINDOW_SECONDS must be at least 1/);
    expect(() => loadConfig({ AUTH_FAILURE_RATE_LIMIT_POINTS: 'many' })).toThrow(/AUTH_FAILURE_RATE_LIMIT_POINTS must be a number/);
  });

  it('when TRUST_PROXY is set, then it reads as Express takes it, and anything else is named', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8, 192.0.2.7' }).TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8', '192.0.2.7']);
    expect(() => loadConfig({ TRUST_PROXY: 'yes please' })).toThrow(/TRUST_PROXY must be true, false, a hop count.*not one: yes please/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY .*not one: 10\.0\.0\.0\/33/);
    expect(() => loadConfig({ TRUST_PROXY: '1000' })).toThrow(/TRUST_PROXY must be at most 100 hops/);
  });
});

describe('metrics protection', () => {
  it('when nothing is set, then /metrics has no token and stays on the API port', () => {
    const config = loadConfig({});
    expect(config.METRICS_TOKEN).toBeUndefined();
    expect(config.METRICS_PORT).toBeUndefined();
  });

  it('when METRICS_TOKEN and METRICS_PORT are set, then they are read', () => {
    const config = loadConfig({ METRICS_TOKEN: 'a-scrape-token-0123456789', METRICS_PORT: '9464' });
    expect(config.METRICS_TOKEN).toBe('a-scrape-token-0123456789');
    expect(config.METRICS_PORT).toBe(9464);
    expect(loadConfig({ PORT: '0', METRICS_PORT: '0' }).METRICS_PORT).toBe(0);
  });

  it('when METRICS_TOKEN is short or not header-safe, then it is refused without echoing it', () => {
    for (const [value, message] of [
      ['short-token', /METRICS_TOKEN must be at least 16 characters/],
      ['a token with spaces inside', /METRICS_TOKEN must be printable ASCII without spaces/],
    ] as const) {
      let error: unknown;
      try {
        loadConfig({ METRICS_TOKEN: value });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(message);
      expect((error as ConfigError).message).not.toContain(value);
    }
  });

  it('when METRICS_PORT is the API port or out of range, then the problem is named', () => {
    expect(() => loadConfig({ PORT: '8080', METRICS_PORT: '8080' })).toThrow(/METRICS_PORT must differ from PORT \(8080\)/);
    expect(() => loadConfig({ METRICS_PORT: '3000' })).toThrow(/METRICS_PORT must differ from PORT/);
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT must be at most 65535/);
  });
});
