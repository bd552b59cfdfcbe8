/**
 * Applies Prisma-layout migrations (`<dir>/<name>/migration.sql`) with node-postgres,
 * keeping the books in `_prisma_migrations` the way Prisma's schema engine does for
 * `prisma migrate deploy`, so either tool can pick up where the other left off.
 * vcq needs this because Prisma's engine binaries cannot be installed everywhere vcq
 * runs (see pnpm-workspace.yaml).
 *
 * What is kept identical to prisma/prisma-engines (schema-engine/):
 * - the table DDL (sql-schema-connector/src/flavour/postgres.rs, create_migrations_table);
 * - the checksum: lowercase hex SHA-256 of the script as read, accepted on comparison
 *   also with CRLF/LF swapped (schema-connector/src/checksum.rs);
 * - the lock: session `pg_advisory_lock(72707369)`, given up after 10 s (postgres.rs);
 * - the bookkeeping: insert the row with `started_at` and no steps, run the script, then
 *   count one step and set `finished_at`; on failure write `logs` and leave
 *   `finished_at` NULL (core/src/commands/apply_migrations.rs, sql_migration_persistence.rs);
 * - a failed, not rolled-back migration blocks every later run (P3009), a folder list
 *   sorted with `localeCompare` (prisma/prisma packages/migrate listMigrations.ts), and
 *   the P3005 refusal to start a history on a schema that already has tables.
 *
 * Deliberately stricter than `migrate deploy`: an applied migration whose file no longer
 * matches its checksum is refused here (deploy ignores it; only `migrate dev`/`status`
 * report it), because a silently different schema per environment is worse than a stop.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, DatabaseError, escapeIdentifier } from 'pg';

export interface MigrateOptions {
  /** postgres:// or postgresql:// URL; an optional `?schema=` works as it does for Prisma. */
  databaseUrl: string;
  /** Folder holding one sub-folder per migration; defaults to the repository's prisma/migrations. */
  migrationsDir?: string;
  /** Receives one line per applied migration, and a note when waiting for another run's lock. */
  log?: (msg: string) => void;
}

export interface MigrateResult {
  /** Migrations applied by this call, in order. */
  applied: string[];
  /** Migrations found already applied (finished, not rolled back). */
  alreadyApplied: string[];
}

interface MigrationFile {
  name: string;
  path: string;
  script: string;
}

interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  rolled_back_at: Date | null;
  started_at: Date;
}

const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));

// The id Prisma's schema engine locks on; sharing it is what makes a concurrent
// `prisma migrate deploy` and this runner wait for each other.
const PRISMA_MIGRATE_LOCK_ID = 72707369;
const LOCK_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 5000;

// Verbatim from Prisma's postgres flavour, so `prisma migrate` sees the table it would have made.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

// PostGIS creates these on its own; Prisma does not count them as "the schema is not empty".
const IGNORED_TABLES = /^(spatial_ref_sys|geometry_columns)$/i;

const SQLSTATE = {
  activeSqlTransaction: '25001',
  duplicateDatabase: '42P04',
  invalidCatalogName: '3D000',
  lockNotAvailable: '55P03',
  uniqueViolation: '23505',
} as const;

/** Applies every pending migration in `migrationsDir` to the database, Prisma-compatibly. */
export async function migrate(opts: MigrateOptions): Promise<MigrateResult> {
  const target = parseDatabaseUrl(opts.databaseUrl);
  const log = opts.log ?? (() => {});
  // Read the files first: a broken migrations folder should fail before touching the database.
  const migrations = await readMigrations(opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);

  const client = await connect(opts.databaseUrl, target.label);
  try {
    await acquireLock(client, log);
    // Prisma works in the URL's `schema` (default public) and creates it if missing;
    // under the lock, so two first runs do not race to create it.
    await useSchema(client, target.schema);
    await ensureMigrationsTable(client, target);

    const rows = await listMigrationRows(client);
    refuseIfFailedMigrations(rows);
    refuseIfEdited(rows, migrations);

    const live = rows.filter((row) => row.rolled_back_at === null);
    const alreadyApplied = migrations.filter((m) => live.some((row) => row.migration_name === m.name));
    const pending = migrations.filter((m) => !alreadyApplied.includes(m));

    const applied: string[] = [];
    for (const migration of pending) {
      const started = performance.now();
      await applyMigration(client, migration);
      applied.push(migration.name);
      log(`Applied migration ${migration.name} (${Math.round(performance.now() - started)} ms)`);
    }
    return { applied, alreadyApplied: alreadyApplied.map((m) => m.name) };
  } finally {
    // Ending the session is what releases the session-level advisory lock.
    await client.end().catch(() => {});
  }
}

/** Creates the URL's database (via the server's `postgres` database) unless it exists; true if it created it. */
export async function createDatabaseIfMissing(databaseUrl: string): Promise<boolean> {
  const target = parseDatabaseUrl(databaseUrl);
  const admin = await connectToMaintenanceDatabase(databaseUrl, target);
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [target.database]);
    if (rowCount) return false;
    try {
      await admin.query(`CREATE DATABASE ${escapeIdentifier(target.database)}`);
      return true;
    } catch (error) {
      // Two processes creating the same database at once: the loser usually sees the
      // catalog's unique index (23505) rather than duplicate_database (42P04).
      if (hasCode(error, SQLSTATE.duplicateDatabase) || hasCode(error, SQLSTATE.uniqueViolation)) return false;
      throw new Error(`Could not create database ${target.label}: ${messageOf(error)}`, { cause: error });
    }
  } finally {
    await admin.end().catch(() => {});
  }
}

/** The database a URL points at, as `"name" on host:port`, without credentials. */
export function describeDatabase(databaseUrl: string): string {
  return parseDatabaseUrl(databaseUrl).label;
}

interface DatabaseTarget {
  database: string;
  schema: string;
  /** host:port */
  server: string;
  label: string;
}

function parseDatabaseUrl(databaseUrl: string): DatabaseTarget {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch (cause) {
    // The URL itself stays out of the message: it may carry a password.
    throw new Error('Invalid database URL: expected postgresql://user[:password]@host[:port]/database', { cause });
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`Invalid database URL: expected the postgresql:// scheme, got ${url.protocol}//`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '') throw new Error('Invalid database URL: it names no database (postgresql://host:port/<database>)');
  const server = `${url.hostname || 'localhost'}:${url.port || '5432'}`;
  return { database, schema: url.searchParams.get('schema') ?? 'public', server, label: `"${database}" on ${server}` };
}

async function connect(connectionString: string, label: string): Promise<Client> {
  const client = new Client({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // A dropped connection also rejects the pending query, which is where it is reported;
  // without a listener the 'error' event would crash the process instead.
  client.on('error', () => {});
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => {});
    throw new Error(`Could not connect to database ${label}: ${messageOf(error)}`, { cause: error });
  }
}

async function connectToMaintenanceDatabase(databaseUrl: string, target: DatabaseTarget): Promise<Client> {
  // Same fallback as Prisma: template1 always exists when `postgres` was dropped.
  const candidates = ['postgres', 'template1'];
  for (const [index, database] of candidates.entries()) {
    const url = new URL(databaseUrl);
    url.pathname = `/${encodeURIComponent(database)}`;
    url.searchParams.delete('schema');
    try {
      return await connect(url.toString(), `"${database}" on ${target.server} (to create "${target.database}")`);
    } catch (error) {
      const missing = hasCode((error as Error).cause, SQLSTATE.invalidCatalogName);
      if (!missing || index === candidates.length - 1) throw error;
    }
  }
  throw new Error('unreachable');
}

async function readMigrations(dir: string): Promise<MigrationFile[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    throw new Error(`Could not read the migrations directory ${dir}: ${messageOf(cause)}`, { cause });
  }
  await refuseOtherProvider(dir);

  // localeCompare, not code-unit order: it is what Prisma's CLI sorts with, and the two
  // tools must agree on the order (they coincide for timestamp-prefixed names).
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b));

  return Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name, 'migration.sql');
      try {
        // Decoded as UTF-8 like Prisma does, so the checksum covers the same text.
        return { name, path: file, script: await readFile(file, 'utf8') };
      } catch (cause) {
        throw new Error(`Could not read migration ${name} at ${file}: ${messageOf(cause)}`, { cause });
      }
    }),
  );
}

async function refuseOtherProvider(dir: string): Promise<void> {
  const lockfile = await readFile(path.join(dir, 'migration_lock.toml'), 'utf8').catch(() => null);
  if (lockfile === null) return;
  const line = lockfile.split(/\r?\n/).find((l) => l.startsWith('provider'));
  const provider = line?.replace(/^provider\s*=\s*/, '').replace(/^"|"$/g, '');
  if (provider !== 'postgresql') {
    throw new Error(
      `${path.join(dir, 'migration_lock.toml')} is for provider "${provider ?? '<none>'}", not "postgresql" (Prisma P3019)`,
    );
  }
}

async function acquireLock(client: Client, log: (msg: string) => void): Promise<void> {
  const { rows } = await client.query<{ locked: boolean }>(
    `SELECT pg_try_advisory_lock(${PRISMA_MIGRATE_LOCK_ID}) AS locked`,
  );
  if (rows[0]?.locked) return;

  log(`Another migration run holds the migration lock; waiting up to ${LOCK_TIMEOUT_MS / 1000} s`);
  // lock_timeout applies to advisory locks too, and unlike a client-side timer it
  // leaves no lock request queued behind when it fires.
  await client.query(`SET lock_timeout = ${LOCK_TIMEOUT_MS}`);
  try {
    await client.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATE_LOCK_ID})`);
  } catch (error) {
    if (!hasCode(error, SQLSTATE.lockNotAvailable)) throw error;
    throw new Error(
      `Timed out after ${LOCK_TIMEOUT_MS / 1000} s waiting for the migration lock (pg_advisory_lock ${PRISMA_MIGRATE_LOCK_ID}): ` +
        'another migrate or `prisma migrate deploy` is still running against this database',
      { cause: error },
    );
  }
  await client.query('RESET lock_timeout');
}

async function useSchema(client: Client, schema: string): Promise<void> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if (!rowCount) await client.query(`CREATE SCHEMA ${escapeIdentifier(schema)}`);
  await client.query(`SET search_path TO ${escapeIdentifier(schema)}`);
}

async function ensureMigrationsTable(client: Client, target: DatabaseTarget): Promise<void> {
  const { rows } = await client.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname = $1`,
    [target.schema],
  );
  const tables = rows.map((row) => row.relname);
  if (tables.includes('_prisma_migrations')) return;

  const others = tables.filter((name) => !IGNORED_TABLES.test(name));
  if (others.length > 0) {
    // Without a history, migration 1 would be replayed onto whatever is there.
    throw new Error(
      `Schema "${target.schema}" of ${target.label} already has tables (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', ...' : ''}) ` +
        'but no _prisma_migrations table; baseline it first (Prisma P3005, https://pris.ly/d/migrate-baseline)',
    );
  }
  await client.query(CREATE_MIGRATIONS_TABLE);
}

async function listMigrationRows(client: Client): Promise<MigrationRow[]> {
  const { rows } = await client.query<MigrationRow>(
    `SELECT id, checksum, finished_at, migration_name, rolled_back_at, started_at
     FROM _prisma_migrations ORDER BY started_at`,
  );
  return rows;
}

function refuseIfFailedMigrations(rows: MigrationRow[]): void {
  const failed = rows.filter((row) => row.finished_at === null && row.rolled_back_at === null);
  if (failed.length === 0) return;

  const names = failed.map((row) => `${row.migration_name} (started ${row.started_at.toISOString()})`).join(', ');
  const first = failed[0]?.migration_name ?? '';
  throw new Error(
    `Migration ${names} failed and was not rolled back, so no new migrations will be applied (Prisma P3009). ` +
      `Read the error in _prisma_migrations.logs, fix the cause, then mark it rolled back ` +
      `(\`prisma migrate resolve --rolled-back ${first}\`, or UPDATE _prisma_migrations SET rolled_back_at = now() ` +
      `WHERE migration_name = '${first}' AND finished_at IS NULL) and migrate again`,
  );
}

function refuseIfEdited(rows: MigrationRow[], migrations: MigrationFile[]): void {
  const edited = migrations.filter((m) =>
    rows.some(
      (row) =>
        row.migration_name === m.name &&
        row.finished_at !== null &&
        row.rolled_back_at === null &&
        !scriptMatchesChecksum(m.script, row.checksum),
    ),
  );
  if (edited.length === 0) return;

  throw new Error(
    `Migration ${edited.map((m) => m.name).join(', ')} was edited after it was applied: ` +
      `${edited.map((m) => m.path).join(', ')} no longer matches the checksum in _prisma_migrations. ` +
      'Restore the applied version and put the change in a new migration; nothing was applied',
  );
}

function checksum(script: string): string {
  return createHash('sha256').update(script, 'utf8').digest('hex');
}

function scriptMatchesChecksum(script: string, recorded: string): boolean {
  // Git may have converted line endings since the script was applied; Prisma accepts
  // the script as is, with CRLF turned to LF, and with LF turned to CRLF.
  const variants = [script, script.replaceAll('\r\n', '\n'), script.replaceAll('\n', '\r\n')];
  return variants.some((variant) => {
    const digest = createHash('sha256').update(variant, 'utf8').digest();
    // Old Prisma engines stored the hex without zero-padding each byte (prisma-engines#1887).
    const rendered =
      recorded.length === 64 || recorded.length === 0
        ? digest.toString('hex')
        : [...digest].map((byte) => byte.toString(16)).join('');
    return rendered === recorded;
  });
}

async function applyMigration(client: Client, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  await client.query(
    `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count)
     VALUES ($1, $2, $3, now(), 0)`,
    [id, checksum(migration.script), migration.name],
  );

  let transactional = true;
  try {
    try {
      await runInTransaction(client, migration.script, id);
    } catch (error) {
      // Some statements (CREATE INDEX CONCURRENTLY, VACUUM, ...) refuse a transaction
      // block. Everything was rolled back, so run the script the way Prisma does instead.
      if (!hasCode(error, SQLSTATE.activeSqlTransaction)) throw error;
      transactional = false;
      await client.query(migration.script);
      await recordFinished(client, id);
    }
  } catch (error) {
    const logs = prismaStyleLogs(migration, error);
    // If even this fails the connection is gone; the row still says "not finished".
    await client.query('UPDATE _prisma_migrations SET logs = $2 WHERE id = $1', [id, logs]).catch(() => {});
    const kept = transactional
      ? 'it ran in a transaction, so none of it was kept'
      : 'it ran outside a transaction, so parts of it may have been applied';
    throw new Error(
      `Migration ${migration.name} failed to apply: ${messageOf(error)}${codeSuffix(error)}; ${kept}. ` +
        'It is recorded as failed in _prisma_migrations and blocks further migrations until resolved',
      { cause: error },
    );
  }
}

// Prisma sends the script as one simple-protocol query and issues no BEGIN of its own
// (Postgres then runs a multi-statement query as one implicit transaction), and records
// `finished_at` in separate statements afterwards. vcq wraps script and bookkeeping in one
// explicit transaction so the schema change and its "finished" record commit together:
// a crash in between can no longer leave a migration applied but recorded as failed. A
// script that issues its own COMMIT still ends the transaction early, as it would in Prisma.
async function runInTransaction(client: Client, script: string, id: string): Promise<void> {
  await client.query('BEGIN');
  try {
    // No parameters, so node-postgres uses the simple protocol: several statements are allowed.
    await client.query(script);
    await recordFinished(client, id);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

async function recordFinished(client: Client, id: string): Promise<void> {
  // clock_timestamp(), not now(): inside the transaction now() is when it began.
  await client.query(
    `UPDATE _prisma_migrations
     SET applied_steps_count = applied_steps_count + 1, finished_at = clock_timestamp()
     WHERE id = $1`,
    [id],
  );
}

// The shape of Prisma's P3018 text, which is what `prisma migrate status` users expect
// to find in `logs` (without the engine's Rust debug dump of the error).
function prismaStyleLogs(migration: MigrationFile, error: unknown): string {
  const databaseError =
    error instanceof DatabaseError
      ? [
          `${error.severity ?? 'ERROR'}: ${error.message}`,
          error.detail ? `DETAIL: ${error.detail}` : '',
          error.hint ? `HINT: ${error.hint}` : '',
        ]
          .filter(Boolean)
          .join('\n') + errorPosition(migration.script, error.position)
      : messageOf(error);
  return [
    'A migration failed to apply. New migrations cannot be applied before the error is recovered from. ' +
      'Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve',
    `Migration name: ${migration.name}`,
    `Database error code: ${sqlstateOf(error) ?? 'none'}`,
    `Database error:\n${databaseError}\n`,
  ].join('\n\n');
}

function errorPosition(script: string, position: string | undefined): string {
  // Postgres reports a 1-based character offset into the query text.
  const offset = Number(position);
  if (!Number.isInteger(offset) || offset < 1) return '';
  const lines = script.split('\n');
  let end = 0;
  for (const [index, line] of lines.entries()) {
    end += line.length + 1;
    if (offset <= end) {
      const from = Math.max(0, index - 5);
      const numbered = lines.slice(from, index + 1).map((text, i) => `${String(from + i + 1).padStart(3)} ${text}`);
      return `\n\nPosition:\n${numbered.join('\n')}`;
    }
  }
  return '';
}

function sqlstateOf(error: unknown): string | undefined {
  return error instanceof DatabaseError ? error.code : undefined;
}

function hasCode(error: unknown, code: string): boolean {
  return sqlstateOf(error) === code;
}

function codeSuffix(error: unknown): string {
  const code = sqlstateOf(error);
  return code ? ` (SQLSTATE ${code})` : '';
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0]);
  return error instanceof Error ? error.message : String(error);
}
