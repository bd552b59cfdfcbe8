/**
 * Throwaway Postgres databases for integration tests: each caller gets its own,
 * fully migrated database, so tests never share rows and never assume an empty `test`.
 */
import { randomBytes } from 'node:crypto';
import { Client, escapeIdentifier } from 'pg';
import { createDatabaseIfMissing, migrate } from '@vcq/db';

export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string;
  name: string;
  /** Drops the database, disconnecting whoever is still connected; safe to call twice. */
  drop(): Promise<void>;
}

const DEFAULT_BASE_URL = 'postgresql://postgres@127.0.0.1:5432';
// Leaves room for the 13-character suffix within Postgres' 63-byte identifier limit.
const PREFIX = /^[a-z_][a-z0-9_]{0,49}$/;

/** Creates and migrates a uniquely named database on the test server (env TEST_DATABASE_BASE_URL). */
export async function createTestDatabase(prefix = 'vcq_test', env: NodeJS.ProcessEnv = process.env): Promise<TestDatabase> {
  if (!PREFIX.test(prefix)) {
    throw new Error(`Test database prefix "${prefix}" must be 1-50 lowercase letters, digits or _, not starting with a digit`);
  }
  const baseUrl = env.TEST_DATABASE_BASE_URL || DEFAULT_BASE_URL;
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const url = withDatabase(baseUrl, name);

  const drop = async (): Promise<void> => {
    const admin = new Client({ connectionString: withDatabase(baseUrl, 'postgres') });
    admin.on('error', () => {});
    await admin.connect();
    try {
      // FORCE: a test that failed may have left pools open, which would block a plain DROP.
      await admin.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  };

  await createDatabaseIfMissing(url);
  try {
    await migrate({ databaseUrl: url });
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
  return { url, name, drop };
}

function withDatabase(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
