/**
 * `pnpm db:migrate`: creates the database named by DATABASE_URL if needed and applies
 * pending migrations from prisma/migrations without Prisma's engine (see migrate.ts).
 */
import { inspect } from 'node:util';
import { createDatabaseIfMissing, describeDatabase, migrate } from './migrate.js';

const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/vcq';

/** Runs the migration for `env.DATABASE_URL` and returns the process exit code. */
async function main(env: NodeJS.ProcessEnv): Promise<number> {
  const databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  try {
    const target = describeDatabase(databaseUrl);
    if (await createDatabaseIfMissing(databaseUrl)) console.log(`Created database ${target}`);

    const { applied, alreadyApplied } = await migrate({ databaseUrl, log: (msg) => console.log(msg) });
    const summary =
      applied.length === 0
        ? 'no pending migrations'
        : `applied ${applied.length} migration${applied.length === 1 ? '' : 's'}`;
    console.log(`Database ${target}: ${summary} (${alreadyApplied.length} already applied)`);
    return 0;
  } catch (error) {
    if (env.DEBUG) console.error(inspect(error, { depth: 10 }));
    // One line for CI logs and humans; DEBUG shows the stack and the cause chain.
    const message = error instanceof Error ? error.message : String(error);
    console.error(`db:migrate failed: ${message.replace(/\s*\n\s*/g, ' ')}`);
    return 1;
  }
}

// exitCode rather than exit(): stdout is flushed and the pg connection already closed.
process.exitCode = await main(process.env);
