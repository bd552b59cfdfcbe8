import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, ensureTestDatabaseTemplate, type TestDatabase } from '../src/database.js';
import { testDatabaseUrl } from '../src/services.js';

const MIGRATIONS = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));
const created: TestDatabase[] = [];

afterAll(async () => {
  await Promise.all(created.map((database) => database.drop()));
});

async function query<R extends Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end();
  }
}

describe('createTestDatabase', () => {
  it('when databases are created at once with the template being ensured, then each has every migration applied and no rows', async () => {
    const folders = (await readdir(MIGRATIONS, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
    const [template, ...databases] = await Promise.all([
      ensureTestDatabaseTemplate(),
      ...Array.from({ length: 3 }, () => createTestDatabase('vcq_testing_db')),
    ]);
    created.push(...(databases as TestDatabase[]));

    expect(template).toMatch(/^vcq_tpl_[0-9a-f]{24}$/);
    expect(new Set(databases.map((database) => (database as TestDatabase).name)).size).toBe(3);
    for (const database of databases as TestDatabase[]) {
      const applied = await query<{ migration_name: string }>(
        database.url,
        'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name',
      );
      expect(applied.map((row) => row.migration_name)).toEqual(folders);
      expect(await query(database.url, 'SELECT id FROM jobs')).toEqual([]);
    }
  });

  it('when the template is ensured again, then it keeps its name and accepts no connections', async () => {
    const first = await ensureTestDatabaseTemplate();
    expect(await ensureTestDatabaseTemplate()).toBe(first);
    const [row] = await query<{ datistemplate: boolean; datallowconn: boolean }>(
      testDatabaseUrl('postgres'),
      'SELECT datistemplate, datallowconn FROM pg_database WHERE datname = $1',
      [first],
    );
    // (Not probed by connecting: even a refused connection holds up copies for a moment.)
    expect(row).toEqual({ datistemplate: true, datallowconn: false });
  });

  it('when a test database is dropped, then it is gone and dropping it again is harmless', async () => {
    const database = await createTestDatabase('vcq_testing_drop');
    await database.drop();
    await database.drop();
    const rows = await query(testDatabaseUrl('postgres'), 'SELECT 1 FROM pg_database WHERE datname = $1', [database.name]);
    expect(rows).toEqual([]);
  });
});
