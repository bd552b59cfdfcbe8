/**
 * vitest global setup: first makes sure the tests have a PostgreSQL server and a Redis
 * (services.ts: the ones on 127.0.0.1:5432 and :6379 or the URLs in the environment, as
 * they are; where nothing answers, an embedded PostgreSQL and a private redis-server,
 * exported through process.env to every worker and child process, and stopped in the
 * teardown). Then it builds the migrated template that test databases are copied from
 * (see database.ts) once, before any test file runs, instead of in whichever test files
 * come first. Without Postgres it only warns: tests that need a database fail on their
 * own, with the same error, and the others still run.
 */
import { ensureTestDatabaseTemplate } from './database.js';
import { provisionTestServices } from './services.js';

export default async function setup(): Promise<() => Promise<void>> {
  const services = await provisionTestServices();
  if (services.summary) console.log(services.summary);
  if (process.env.TEST_DATABASE_TEMPLATE !== 'off') {
    const started = performance.now();
    try {
      const template = await ensureTestDatabaseTemplate();
      if (process.env.VCQ_TEST_LOG_LEVEL) console.log(`test database template ${template} ready in ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      console.warn(`Could not prepare the test database template: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return () => services.stop();
}
