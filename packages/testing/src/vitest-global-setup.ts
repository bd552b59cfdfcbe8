/**
 * vitest global setup: builds the migrated template that test databases are copied
 * from (see database.ts) once, before any test file runs, instead of in whichever
 * test files come first. Without Postgres it only warns: tests that need a database
 * fail on their own, with the same error, and the others still run.
 */
import { ensureTestDatabaseTemplate } from './database.js';

export default async function setup(): Promise<void> {
  if (process.env.TEST_DATABASE_TEMPLATE === 'off') return;
  const started = performance.now();
  try {
    const template = await ensureTestDatabaseTemplate();
    if (process.env.VCQ_TEST_LOG_LEVEL) console.log(`test database template ${template} ready in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    console.warn(`Could not prepare the test database template: ${error instanceof Error ? error.message : String(error)}`);
  }
}
