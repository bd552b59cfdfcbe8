import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.js';

export type Db = InstanceType<typeof PrismaClient>;

/**
 * A Prisma client over node-postgres. The driver adapter means no query-engine
 * binary is needed at run time.
 */
export function createDb(databaseUrl: string, options: { poolSize?: number; connectTimeoutMs?: number; queryTimeoutMs?: number } = {}): Db {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    // A cut database must surface as an error (answered 503), not a hung request:
    // bounded connects, bounded queries (vcq's are small; cleanup works in batches),
    // and TCP keep-alive so a silently dropped connection is noticed.
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    query_timeout: options.queryTimeoutMs ?? 5000,
    keepAlive: true,
  });
  return new PrismaClient({ adapter });
}
