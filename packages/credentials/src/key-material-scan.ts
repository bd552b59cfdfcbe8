/**
 * Proof for tests and audits that a private key is stored only encrypted: searches
 * every table of the database for the key in the encodings a careless write would
 * leave (hex, base64, base64url, base58), at any byte alignment.
 */
import { base58 } from '@scure/base';
import type { Db } from '@vcq/db';

/** Names of the tables with a row whose text form contains `secret` in a common encoding. */
export async function findKeyMaterial(db: Db, secret: Uint8Array): Promise<string[]> {
  const tables = await db.$queryRaw<Array<{ name: string }>>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`;
  const needles = encodings(Buffer.from(secret));
  const hex = Buffer.from(secret).toString('hex');
  const found: string[] = [];
  for (const { name } of tables) {
    const table = `"${name.replaceAll('"', '""')}"`;
    // row::text renders bytea as \x<hex> and jsonb as JSON text, so one scan covers every column type.
    const conditions = needles.map((_, i) => `strpos(t::text, $${i + 2}) > 0`).join(' OR ');
    const rows = await db.$queryRawUnsafe<Array<{ n: bigint }>>(
      `SELECT count(*) AS n FROM ${table} t WHERE strpos(lower(t::text), $1) > 0 OR ${conditions}`,
      hex,
      ...needles,
    );
    if (Number(rows[0]?.n ?? 0) > 0) found.push(name);
  }
  return found;
}

function encodings(secret: Buffer): string[] {
  const needles = new Set<string>([base58.encode(secret)]);
  // base64 of the same bytes differs with their offset (mod 3) in a longer value, so
  // take the characters that depend on the secret alone, at each of the 3 offsets.
  for (const offset of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(offset), secret]);
    for (const encoding of ['base64', 'base64url'] as const) {
      const text = padded.toString(encoding).replace(/=+$/, '');
      const start = offset === 0 ? 0 : 4;
      const end = (offset + secret.length) % 3 === 0 ? text.length : text.length - 4;
      needles.add(text.slice(start, end));
    }
  }
  return [...needles];
}
