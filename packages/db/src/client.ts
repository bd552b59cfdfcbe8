import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/client.js';

export type Db = InstanceType<typeof PrismaClient>;

/** The pg pool under each client createDb made, for the hot statements (see hotQuery). */
const pools = new WeakMap<object, pg.Pool>();

/**
 * A Prisma client over node-postgres. The driver adapter means no query-engine
 * binary is needed at run time. The pool is vcq's own, handed to the adapter, so
 * the few statements of a job's hot path can run on it directly (hotQuery).
 */
export function createDb(databaseUrl: string, options: { poolSize?: number; connectTimeoutMs?: number; queryTimeoutMs?: number } = {}): Db {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    // A cut database must surface as an error (answered 503), not a hung request:
    // bounded connects, bounded queries (vcq's are small; cleanup works in batches),
    // and TCP keep-alive so a silently dropped connection is noticed.
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    query_timeout: options.queryTimeoutMs ?? 5000,
    keepAlive: true,
  });
  // An idle connection the server dropped is discarded by the pool; the next query reports the outage.
  pool.on('error', () => {});
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(db, pool);
  return db;
}

/** A statement of the hot path: prepared once per connection under its `name`. */
export interface HotStatement {
  name: string;
  text: string;
}

/**
 * Runs one of the statements every job or issuance makes (a status read, the batched
 * lifecycle write, an issuance's insert) on the pool under Prisma, as a prepared
 * statement: parsed and planned once per connection, with none of Prisma's per-call
 * work, which was the largest share of a worker's database CPU. Everything else goes
 * through Prisma. A client not made by createDb runs it through Prisma instead.
 */
export async function hotQuery<R>(db: Pick<Db, '$queryRawUnsafe'>, statement: HotStatement, values: unknown[]): Promise<R[]> {
  const pool = pools.get(db);
  if (!pool) return db.$queryRawUnsafe<R[]>(statement.text, ...values);
  return (await pool.query({ name: statement.name, text: statement.text, values })).rows as R[];
}
