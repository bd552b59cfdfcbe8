import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, DatabaseError, escapeIdentifier } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabaseIfMissing, migrate } from '../src/migrate.js';
import { testDatabaseBaseUrl } from '@vcq/testing/services';

const BASE_URL = testDatabaseBaseUrl();
const REPO_MIGRATIONS = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Row {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function urlFor(database: string): string {
  const url = new URL(BASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A database of its own for one test, dropped afterwards. */
async function freshDatabase(): Promise<string> {
  const name = `vcq_migrate_test_${randomBytes(6).toString('hex')}`;
  const url = urlFor(name);
  await createDatabaseIfMissing(url);
  cleanups.push(() => dropDatabase(name));
  return url;
}

async function dropDatabase(name: string): Promise<void> {
  await query(urlFor('postgres'), `DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`);
}

/** A temporary migrations folder: one sub-folder per entry, in Prisma's layout. */
async function migrationsDir(migrations: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vcq-migrations-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const [name, sql] of Object.entries(migrations)) await writeMigration(dir, name, sql);
  return dir;
}

async function writeMigration(dir: string, name: string, sql: string): Promise<void> {
  await mkdir(path.join(dir, name), { recursive: true });
  await writeFile(path.join(dir, name, 'migration.sql'), sql);
}

async function query<R extends object = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

function migrationRows(url: string): Promise<Row[]> {
  return query<Row>(url, 'SELECT * FROM _prisma_migrations ORDER BY started_at, migration_name');
}

async function tableExists(url: string, table: string): Promise<boolean> {
  const [row] = await query<{ oid: string | null }>(url, 'SELECT to_regclass($1)::text AS oid', [table]);
  return row?.oid !== null && row?.oid !== undefined;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe('migrate', () => {
  it("when a fresh database is migrated with the repo's migrations, then each is recorded with its sha256, finished_at and one step", async () => {
    const url = await freshDatabase();
    const names = (await readdir(REPO_MIGRATIONS, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();

    const result = await migrate({ databaseUrl: url });

    expect(result).toEqual({ applied: names, alreadyApplied: [] });
    const rows = await migrationRows(url);
    expect(rows.map((r) => r.migration_name)).toEqual(names);
    for (const row of rows) {
      const file = await readFile(path.join(REPO_MIGRATIONS, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(file).digest('hex'));
      expect(row.id).toMatch(UUID_V4);
      expect(row.applied_steps_count).toBe(1);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at?.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row.logs).toBeNull();
      expect(row.rolled_back_at).toBeNull();
    }
    expect(await tableExists(url, 'jobs')).toBe(true);
  });

  it('when the organizations migration meets rows made before it, then every row belongs to the default organization', async () => {
    const url = await freshDatabase();
    const repo = (await readdir(REPO_MIGRATIONS, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    const before = repo.filter((name) => name < '20261202000000_organizations');
    const earlier: Record<string, string> = {};
    for (const name of before) earlier[name] = await readFile(path.join(REPO_MIGRATIONS, name, 'migration.sql'), 'utf8');
    await migrate({ databaseUrl: url, migrationsDir: await migrationsDir(earlier) });

    const job = '0b7c0a70-0000-4000-8000-000000000001';
    await query(url, `INSERT INTO jobs (id, queue, name, data) VALUES ($1, 'vc-issuance', 'issue-credential', '{}')`, [job]);
    await query(url, `INSERT INTO dids (did, method, document, key_id, public_key_jwk, encrypted_key) VALUES ('did:key:z6Mkold', 'key', '{}', 'k', '{}', 'v1.x')`);
    // Before organizations, a caller could label a credential with any organizationId, unchecked.
    await query(
      url,
      `INSERT INTO credentials (id, public_id, issuer, subject, type, issued_at, jwt, status_list_id, status_list_index, organization_id)
       VALUES ($1, 'urn:uuid:old', 'did:key:z6Mkold', 'did:example:a', 'T', now(), 'jwt', 'list', 0, 'claimed-by-caller')`,
      [job],
    );
    await query(url, `INSERT INTO status_lists (id, issuer, bits, size) VALUES ('list', 'did:key:z6Mkold', '\\x00', 8)`);
    await query(url, `INSERT INTO webhook_deliveries (id, source_job_id, url, event, payload) VALUES ($1, $1, 'https://example.org/h', 'vc.issued', '{}')`, [job]);
    await query(url, `INSERT INTO vc_event_processing_logs (id, record_id, vc_public_id, type, outcome) VALUES ($1, 'r1', 'urn:uuid:old', 't', 'success')`, [job]);

    const result = await migrate({ databaseUrl: url });
    expect(result.applied).toEqual(repo.filter((name) => !before.includes(name)));
    for (const table of ['jobs', 'dids', 'credentials', 'status_lists', 'webhook_deliveries', 'vc_event_processing_logs']) {
      expect(await query(url, `SELECT organization_id FROM ${table}`), table).toEqual([{ organization_id: 'default' }]);
    }
    expect(await query(url, 'SELECT user_id FROM jobs')).toEqual([{ user_id: null }]);
    // New rows that name no organization get the default too; none may be without one.
    // The row made before catalog keys names its entry now.
    expect(await query(url, 'SELECT kind FROM jobs')).toEqual([{ kind: 'issue-credential' }]);
    await query(url, `INSERT INTO jobs (id, kind, queue, name, data) VALUES ('0b7c0a70-0000-4000-8000-000000000002', 'n', 'q', 'n', '{}')`);
    expect(await query(url, `SELECT count(*)::int AS n FROM jobs WHERE organization_id = 'default'`)).toEqual([{ n: 2 }]);
    await expect(query(url, `UPDATE credentials SET organization_id = NULL`)).rejects.toThrow(/null value/);
  });

  it('when migrations depend on each other, then they are applied in lexical folder order', async () => {
    const url = await freshDatabase();
    const dir = await migrationsDir({
      '20240102000000_b': 'ALTER TABLE a ADD COLUMN note TEXT;\n',
      '20240101000000_a': 'CREATE TABLE a (id INT PRIMARY KEY);\n',
      '20240103000000_c': 'INSERT INTO a (id, note) VALUES (1, $$ok$$);\n',
    });

    const result = await migrate({ databaseUrl: url, migrationsDir: dir });

    expect(result.applied).toEqual(['20240101000000_a', '20240102000000_b', '20240103000000_c']);
    expect(await query(url, 'SELECT id, note FROM a')).toEqual([{ id: 1, note: 'ok' }]);
  });

  it('when migrate runs a second time, then it applies nothing and leaves the records untouched', async () => {
    const url = await freshDatabase();
    const first = await migrate({ databaseUrl: url });
    const before = await migrationRows(url);

    const second = await migrate({ databaseUrl: url });

    expect(second).toEqual({ applied: [], alreadyApplied: first.applied });
    expect(await migrationRows(url)).toEqual(before);
  });

  it('when an applied migration file was edited, then migrate refuses naming it and applies nothing new', async () => {
    const url = await freshDatabase();
    const dir = await migrationsDir({ '20240101000000_a': 'CREATE TABLE a (id INT);\n' });
    await migrate({ databaseUrl: url, migrationsDir: dir });
    await writeMigration(dir, '20240101000000_a', 'CREATE TABLE a (id BIGINT);\n');
    await writeMigration(dir, '20240102000000_b', 'CREATE TABLE b (id INT);\n');

    await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(
      /20240101000000_a was edited after it was applied/,
    );

    expect((await migrationRows(url)).map((r) => r.migration_name)).toEqual(['20240101000000_a']);
    expect(await tableExists(url, 'b')).toBe(false);
  });

  it('when an applied migration only changed its line endings, then it still counts as unchanged', async () => {
    const url = await freshDatabase();
    const lf = '-- a\nCREATE TABLE a (id INT);\n';
    const dir = await migrationsDir({ '20240101000000_a': lf });
    await migrate({ databaseUrl: url, migrationsDir: dir });
    await writeMigration(dir, '20240101000000_a', lf.replaceAll('\n', '\r\n'));

    const result = await migrate({ databaseUrl: url, migrationsDir: dir });

    expect(result).toEqual({ applied: [], alreadyApplied: ['20240101000000_a'] });
    expect((await migrationRows(url))[0]?.checksum).toBe(sha256(lf));
  });

  it('when a migration fails, then it is recorded as failed with logs, leaves no partial schema and blocks the next run', async () => {
    const url = await freshDatabase();
    const broken = 'CREATE TABLE half_done (id INT);\nINSERT INTO no_such_table VALUES (1);\n';
    const dir = await migrationsDir({
      '20240101000000_a': 'CREATE TABLE a (id INT);\n',
      '20240102000000_broken': broken,
      '20240103000000_c': 'CREATE TABLE c (id INT);\n',
    });

    const failure = await migrate({ databaseUrl: url, migrationsDir: dir }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/Migration 20240102000000_broken failed to apply: .*no_such_table/);
    expect((failure as Error).cause).toBeInstanceOf(DatabaseError);
    expect(((failure as Error).cause as DatabaseError).code).toBe('42P01');
    const rows = await migrationRows(url);
    expect(rows.map((r) => [r.migration_name, r.applied_steps_count, r.finished_at === null])).toEqual([
      ['20240101000000_a', 1, false],
      ['20240102000000_broken', 0, true],
    ]);
    const failed = rows[1];
    expect(failed?.checksum).toBe(sha256(broken));
    expect(failed?.logs).toContain('Migration name: 20240102000000_broken');
    expect(failed?.logs).toContain('Database error code: 42P01');
    expect(failed?.logs).toContain('relation "no_such_table" does not exist');
    expect(await tableExists(url, 'half_done')).toBe(false);

    await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(
      /20240102000000_broken .*failed and was not rolled back, so no new migrations will be applied/,
    );
    expect(await migrationRows(url)).toHaveLength(2);
    expect(await tableExists(url, 'c')).toBe(false);
  });

  it('when a failed migration is fixed and marked rolled back, then the next run applies it and the rest', async () => {
    const url = await freshDatabase();
    const dir = await migrationsDir({
      '20240101000000_a': 'CREATE TABLE a (id INT);\n',
      '20240102000000_b': 'CREATE TABLE b (id INT REFERENCES nowhere (id));\n',
    });
    await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(/20240102000000_b failed/);
    await writeMigration(dir, '20240102000000_b', 'CREATE TABLE b (id INT);\n');
    await writeMigration(dir, '20240103000000_c', 'CREATE TABLE c (id INT);\n');
    // What `prisma migrate resolve --rolled-back` does.
    await query(url, `UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '20240102000000_b'`);

    const result = await migrate({ databaseUrl: url, migrationsDir: dir });

    expect(result).toEqual({ applied: ['20240102000000_b', '20240103000000_c'], alreadyApplied: ['20240101000000_a'] });
    const b = (await migrationRows(url)).filter((r) => r.migration_name === '20240102000000_b');
    expect(b.map((r) => [r.rolled_back_at === null, r.finished_at === null])).toEqual([
      [false, true],
      [true, false],
    ]);
  });

  it('when a migration cannot run inside a transaction, then it is applied on its own as Prisma would', async () => {
    const url = await freshDatabase();
    const dir = await migrationsDir({
      '20240101000000_a': 'CREATE TABLE a (id INT);\n',
      '20240102000000_index': 'CREATE INDEX CONCURRENTLY a_id_idx ON a (id);\n',
    });

    const result = await migrate({ databaseUrl: url, migrationsDir: dir });

    expect(result.applied).toEqual(['20240101000000_a', '20240102000000_index']);
    expect(await tableExists(url, 'a_id_idx')).toBe(true);
    expect((await migrationRows(url)).every((r) => r.applied_steps_count === 1 && r.finished_at)).toBe(true);
  });

  it('when two migrate calls start at once on a fresh database, then both succeed and each migration is recorded once', async () => {
    const url = await freshDatabase();

    const [one, two] = await Promise.all([migrate({ databaseUrl: url }), migrate({ databaseUrl: url })]);

    const all = [...one.applied, ...two.applied].sort();
    const names = (await migrationRows(url)).map((r) => r.migration_name);
    expect(all).toEqual([...names].sort());
    expect(new Set(names).size).toBe(names.length);
    expect([...one.applied, ...one.alreadyApplied].sort()).toEqual(all);
    expect([...two.applied, ...two.alreadyApplied].sort()).toEqual(all);
  });

  it("when another session holds Prisma's migration lock, then migrate waits and proceeds once it is released", async () => {
    const url = await freshDatabase();
    const holder = new Client({ connectionString: url });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query('SELECT pg_advisory_lock(72707369)');
    let announceWaiting: () => void = () => {};
    const waiting = new Promise<void>((resolve) => {
      announceWaiting = resolve;
    });

    const run = migrate({
      databaseUrl: url,
      log: (msg) => {
        if (msg.includes('waiting')) announceWaiting();
      },
    });
    await Promise.race([
      waiting,
      run.then(() => {
        throw new Error('migrate finished without waiting for the lock');
      }),
    ]);
    expect(await tableExists(url, '_prisma_migrations')).toBe(false);
    await holder.query('SELECT pg_advisory_unlock(72707369)');

    expect((await run).applied.length).toBeGreaterThan(0);
  });

  it('when the schema already has tables but no migration history, then migrate refuses to start one', async () => {
    const url = await freshDatabase();
    await query(url, 'CREATE TABLE legacy (id INT)');

    await expect(migrate({ databaseUrl: url })).rejects.toThrow(/already has tables \(legacy\).*P3005/);
    expect(await tableExists(url, '_prisma_migrations')).toBe(false);
  });

  it('when the URL names a schema, then the migrations and their history live in that schema', async () => {
    const url = await freshDatabase();
    const dir = await migrationsDir({ '20240101000000_a': 'CREATE TABLE a (id INT);\n' });

    await migrate({ databaseUrl: `${url}?schema=tenant`, migrationsDir: dir });

    expect(await tableExists(url, 'tenant.a')).toBe(true);
    expect(await tableExists(url, 'tenant._prisma_migrations')).toBe(true);
    expect(await tableExists(url, 'public._prisma_migrations')).toBe(false);
  });

  it('when migration_lock.toml names another provider, then migrate refuses before connecting', async () => {
    const dir = await migrationsDir({ '20240101000000_a': 'CREATE TABLE a (id INT);\n' });
    await writeFile(path.join(dir, 'migration_lock.toml'), 'provider = "mysql"\n');

    await expect(migrate({ databaseUrl: urlFor('never_created'), migrationsDir: dir })).rejects.toThrow(
      /provider "mysql", not "postgresql"/,
    );
  });
});

describe('createDatabaseIfMissing', () => {
  it('when the database is missing, then it creates it once and later calls leave it alone', async () => {
    const name = `vcq_migrate_test_${randomBytes(6).toString('hex')}`;
    cleanups.push(() => dropDatabase(name));

    expect(await createDatabaseIfMissing(urlFor(name))).toBe(true);
    await query(urlFor(name), 'CREATE TABLE kept (id INT)');
    expect(await createDatabaseIfMissing(urlFor(name))).toBe(false);

    expect(await tableExists(urlFor(name), 'kept')).toBe(true);
  });

  it('when several processes create the same database at once, then exactly one creates it and none fails', async () => {
    const name = `vcq_migrate_test_${randomBytes(6).toString('hex')}`;
    cleanups.push(() => dropDatabase(name));

    const created = await Promise.all(Array.from({ length: 4 }, () => createDatabaseIfMissing(urlFor(name))));

    expect(created.filter(Boolean)).toHaveLength(1);
    expect(await query(urlFor(name), 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });
  it('when the catalog-keys migration meets jobs and task runs made before it, then each row names its entry and each run is a job row', async () => {
    const url = await freshDatabase();
    const repo = (await readdir(REPO_MIGRATIONS, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    const before = repo.filter((name) => name < '20261204100000_catalog_keys');
    const earlier: Record<string, string> = {};
    for (const name of before) earlier[name] = await readFile(path.join(REPO_MIGRATIONS, name, 'migration.sql'), 'utf8');
    await migrate({ databaseUrl: url, migrationsDir: await migrationsDir(earlier) });

    const [didJob, delivery, run, cut] = ['0b7c0a70-0000-4000-8000-00000000000a', '0b7c0a70-0000-4000-8000-00000000000b', '0b7c0a70-0000-4000-8000-00000000000c', '0b7c0a70-0000-4000-8000-00000000000d'];
    await query(url, `INSERT INTO jobs (id, queue, name, data) VALUES ($1, 'did-operations', 'create', '{}'), ($2, 'webhooks', 'deliver', '{}')`, [didJob, delivery]);
    await query(
      url,
      `INSERT INTO task_runs (id, task, trigger, job_id, scheduled_for, runner, status, result, started_at, finished_at, duration_ms)
       VALUES ($1, 'cleanup', 'schedule', 'repeat:cleanup:1764806400000', '2025-12-04T00:00:00Z', 'host:1', 'completed', '{"batches":1}', '2025-12-04T00:00:01Z', '2025-12-04T00:00:02Z', 1000),
              ($2, 'vc-events', 'manual', NULL, NULL, 'host:2', 'running', NULL, '2025-12-04T01:00:00Z', NULL, NULL)`,
      [run, cut],
    );

    await migrate({ databaseUrl: url });
    const rows = await query(url, 'SELECT id::text, kind, queue, name, status::text, mode::text, data, result, error, runner, started_at, completed_at FROM jobs ORDER BY id');
    expect(rows.map((r) => [r.id, r.kind])).toEqual([
      [didJob, 'did-create'],
      [delivery, 'webhook-deliver'],
      [run, 'cleanup'],
      [cut, 'vc-events'],
    ]);
    expect(rows[2]).toMatchObject({ queue: 'maintenance', name: 'cleanup', status: 'completed', mode: 'async', data: { trigger: 'schedule', scheduledFor: '2025-12-04T00:00:00.000Z' }, result: { batches: 1 }, runner: 'host:1' });
    expect(rows[2]?.completed_at).toEqual(new Date('2025-12-04T00:00:02Z'));
    // A run still marked running died with its process: closed as failed.
    expect(rows[3]).toMatchObject({ queue: 'vc-events', name: 'process-window', status: 'failed', mode: 'sync', data: { trigger: 'manual' }, error: { code: 'interrupted' } });
    expect(await tableExists(url, 'task_runs')).toBe(false);
  });
});
