/**
 * Throwaway Postgres databases for integration tests: each caller gets its own,
 * fully migrated database, so tests never share rows and never assume an empty `test`.
 *
 * Migrating every test database from scratch costs one run of every migration per
 * test file. Instead the migrations are applied once to a template database, named
 * after a hash of prisma/migrations (so an edited or added migration gets a new
 * template), and each test database is a `CREATE DATABASE ... TEMPLATE` copy of it.
 * vitest's global setup builds the template once per run (vitest-global-setup.ts);
 * any caller that finds it missing (a run without that setup, `pnpm bench`, a
 * template dropped meanwhile) builds it itself, so nothing depends on the setup.
 *
 * Safe when several runs share one server (two vitest runs, CI, other checkouts with
 * other migrations): building happens under one advisory lock, into a scratch database
 * that is renamed to the template's name only once it is complete, and the template
 * refuses connections, which Postgres requires of the source of a copy.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, DatabaseError, escapeIdentifier, escapeLiteral } from 'pg';
import { createDatabaseIfMissing, migrate } from '@vcq/db';
import { testDatabaseBaseUrl } from './services.js';

export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string;
  name: string;
  /** Drops the database, disconnecting whoever is still connected; safe to call twice. */
  drop(): Promise<void>;
}

// Leaves room for the 13-character suffix within Postgres' 63-byte identifier limit.
const PREFIX = /^[a-z_][a-z0-9_]{0,49}$/;
const MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));

const TEMPLATE_PREFIX = 'vcq_tpl_';
// Part of the template's name: bump it when what a template holds changes other than
// through prisma/migrations (say, the migrator's bookkeeping).
const TEMPLATE_FORMAT = '1';
// Taken in the `postgres` database (advisory locks are per database) by whoever builds
// or prunes templates, whatever their migrations.
const TEMPLATE_LOCK_ID = 726_373_501;
const TEMPLATE_LOCK_TIMEOUT_MS = 120_000;
// Templates of other migration sets are dropped once this old: another checkout may
// still be cloning from one, and would have to rebuild it.
const STALE_TEMPLATE_MS = 24 * 60 * 60 * 1000;

// invalid_catalog_name: also what copying from a template that does not exist fails with.
const INVALID_CATALOG_NAME = '3D000';

/**
 * Creates a uniquely named, migrated database on the test server (env
 * TEST_DATABASE_BASE_URL), copied from the migrated template; with env
 * TEST_DATABASE_TEMPLATE=off it is migrated on its own instead.
 */
export async function createTestDatabase(prefix = 'vcq_test', env: NodeJS.ProcessEnv = process.env): Promise<TestDatabase> {
  if (!PREFIX.test(prefix)) {
    throw new Error(`Test database prefix "${prefix}" must be 1-50 lowercase letters, digits or _, not starting with a digit`);
  }
  const baseUrl = baseUrlOf(env);
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const url = withDatabase(baseUrl, name);
  const drop = () => withAdmin(baseUrl, (admin) => dropDatabase(admin, name));

  if (env.TEST_DATABASE_TEMPLATE === 'off') {
    await createDatabaseIfMissing(url);
    try {
      await migrate({ databaseUrl: url, migrationsDir: MIGRATIONS_DIR });
    } catch (error) {
      await drop().catch(() => {});
      throw error;
    }
    return { url, name, drop };
  }

  const template = await templateName();
  await withAdmin(baseUrl, async (admin) => {
    // A template another run pruned (or never built) is built here, then copied again.
    for (let attempt = 1; ; attempt++) {
      if (!(await templateExists(admin, template))) await buildTemplate(admin, baseUrl, template);
      try {
        await admin.query(`CREATE DATABASE ${escapeIdentifier(name)} TEMPLATE ${escapeIdentifier(template)}`);
        return;
      } catch (error) {
        if (attempt >= 3 || !hasCode(error, INVALID_CATALOG_NAME)) throw error;
      }
    }
  });
  return { url, name, drop };
}

/**
 * Makes sure the template for the current prisma/migrations exists on the test server,
 * building it if needed, and drops other migration sets' templates a day old; returns
 * its name. vitest's global setup calls it once per run.
 */
export async function ensureTestDatabaseTemplate(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const baseUrl = baseUrlOf(env);
  const template = await templateName();
  await withAdmin(baseUrl, async (admin) => {
    if (!(await templateExists(admin, template))) await buildTemplate(admin, baseUrl, template);
    await pruneTemplates(admin, template);
  });
  return template;
}

/** `vcq_tpl_<hash>`: the hash covers every file under prisma/migrations, names and bytes. */
async function templateName(): Promise<string> {
  const hash = createHash('sha256').update(`format ${TEMPLATE_FORMAT}\n`);
  for (const file of await listFiles(MIGRATIONS_DIR)) {
    const bytes = await readFile(path.join(MIGRATIONS_DIR, file));
    hash.update(`${file}\n${bytes.length}\n`).update(bytes);
  }
  return `${TEMPLATE_PREFIX}${hash.digest('hex').slice(0, 24)}`;
}

async function listFiles(dir: string, relative = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, relative), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const child = path.posix.join(relative, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(dir, child)));
    else if (entry.isFile()) files.push(child);
  }
  // Code-unit order, so the hash does not depend on the locale.
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function templateExists(admin: Client, template: string): Promise<boolean> {
  const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate', [template]);
  return rowCount === 1;
}

/**
 * Under the template lock: migrates a scratch database, closes it to connections, marks
 * it a template and renames it to `template`; the rename is what makes it visible, so a
 * template that exists is always complete.
 */
async function buildTemplate(admin: Client, baseUrl: string, template: string): Promise<void> {
  await admin.query(`SET lock_timeout = ${TEMPLATE_LOCK_TIMEOUT_MS}`);
  await admin.query(`SELECT pg_advisory_lock(${TEMPLATE_LOCK_ID})`);
  try {
    await admin.query('RESET lock_timeout');
    if (await templateExists(admin, template)) return; // another run built it while we waited
    await dropLeftoverScratch(admin);

    const scratch = `${template}_b${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${escapeIdentifier(scratch)}`);
    try {
      // migrate() ends its connection before it returns; the ALTERs below wait for the
      // server side of it to go (Postgres allows a few seconds for that).
      await migrate({ databaseUrl: withDatabase(baseUrl, scratch), migrationsDir: MIGRATIONS_DIR });
      await admin.query(`ALTER DATABASE ${escapeIdentifier(scratch)} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true`);
      const note = `vcq test template, built ${new Date().toISOString()}`;
      await admin.query(`COMMENT ON DATABASE ${escapeIdentifier(scratch)} IS ${escapeLiteral(note)}`);
      await admin.query(`ALTER DATABASE ${escapeIdentifier(scratch)} RENAME TO ${escapeIdentifier(template)}`);
    } catch (error) {
      await dropTemplate(admin, scratch).catch(() => {});
      throw new Error(`Could not build the test database template ${template}: ${messageOf(error)}`, { cause: error });
    }
  } finally {
    await admin.query(`SELECT pg_advisory_unlock(${TEMPLATE_LOCK_ID})`).catch(() => {});
  }
}

/** Scratch databases only exist while someone holds the lock: any seen under it are a crashed build's. */
async function dropLeftoverScratch(admin: Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE starts_with(datname, $1) AND datname ~ '_b[0-9a-f]{8}$'`,
    [TEMPLATE_PREFIX],
  );
  for (const { datname } of rows) await dropTemplate(admin, datname);
}

async function pruneTemplates(admin: Client, keep: string): Promise<void> {
  const { rows } = await admin.query<{ datname: string; note: string | null }>(
    `SELECT datname, shobj_description(oid, 'pg_database') AS note FROM pg_database
     WHERE starts_with(datname, $1) AND datname <> $2 AND datistemplate`,
    [TEMPLATE_PREFIX, keep],
  );
  const stale = rows.filter(({ note }) => {
    const built = Date.parse(note?.match(/built (\S+)/)?.[1] ?? '');
    return !Number.isFinite(built) || Date.now() - built > STALE_TEMPLATE_MS;
  });
  if (stale.length === 0) return;
  await admin.query(`SELECT pg_advisory_lock(${TEMPLATE_LOCK_ID})`);
  try {
    for (const { datname } of stale) await dropTemplate(admin, datname).catch(() => {});
  } finally {
    await admin.query(`SELECT pg_advisory_unlock(${TEMPLATE_LOCK_ID})`).catch(() => {});
  }
}

async function dropDatabase(admin: Client, name: string): Promise<void> {
  // FORCE: a test that failed may have left pools open, which would block a plain DROP.
  await admin.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`);
}

async function dropTemplate(admin: Client, name: string): Promise<void> {
  // Postgres refuses to drop a database marked as a template.
  await admin.query(`ALTER DATABASE ${escapeIdentifier(name)} WITH IS_TEMPLATE false`).catch((error: unknown) => {
    if (!hasCode(error, INVALID_CATALOG_NAME)) throw error;
  });
  await dropDatabase(admin, name);
}

async function withAdmin<T>(baseUrl: string, use: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: withDatabase(baseUrl, 'postgres') });
  admin.on('error', () => {});
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.end();
  }
}

function baseUrlOf(env: NodeJS.ProcessEnv): string {
  return testDatabaseBaseUrl(env);
}

function withDatabase(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

function hasCode(error: unknown, code: string): boolean {
  return error instanceof DatabaseError && error.code === code;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
