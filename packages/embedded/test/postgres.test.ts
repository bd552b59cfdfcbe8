/**
 * The embedded server's preflight as root: PostgreSQL runs as the `postgres` system
 * user, so a data dir behind a directory closed to other users is refused with a
 * sentence that says why and what to do, before anything is created.
 */
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../src/postgres.js';

let closed: string | undefined;

afterAll(async () => {
  if (closed) await rm(closed, { recursive: true, force: true });
});

describe.skipIf(process.getuid?.() !== 0)('startEmbeddedPostgres as root', () => {
  it('refuses a data dir the postgres user cannot enter, naming it', async () => {
    closed = await mkdtemp(join(tmpdir(), 'vcq-closed-'));
    await chmod(closed, 0o700);
    const dataDir = join(closed, '.vcq');
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(
      `the embedded PostgreSQL runs as the postgres system user (PostgreSQL refuses root), which cannot enter ${dataDir}`,
    );
    expect(await readdir(dataDir)).toEqual([]);
  });
});
