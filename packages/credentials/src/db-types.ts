import type { Db } from '@vcq/db';

/** What an interactive transaction hands its callback (Prisma's TransactionClient). */
export type Tx = Omit<Db, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends' | '$use'>;

/** A value for a Prisma `Json` column. */
export type JsonInput = NonNullable<Parameters<Db['did']['create']>[0]>['data']['document'];

/** Hands a JSON-serialisable value to a Json column (Prisma's input type is narrower than `unknown`). */
export function json(value: unknown): JsonInput {
  return value as JsonInput;
}

/** Prisma's "unique constraint failed" (P2002), from the client or the pg adapter. */
export function isUniqueViolation(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as { code?: string; cause?: unknown };
    if (e.code === 'P2002' || e.code === '23505') return true;
    current = e.cause;
  }
  return false;
}
