import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.js';

export type Db = InstanceType<typeof PrismaClient>;

/**
 * A Prisma client over node-postgres. The driver adapter means no query-engine
 * binary is needed at run time.
 */
export function createDb(databaseUrl: string, options: { poolSize?: number } = {}): Db {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    // A cut database must surface as an error (answered 503), not a hung request.
    connectionTimeoutMillis: 5000,
  });
  return new PrismaClient({ adapter });
}
