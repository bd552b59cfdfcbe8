/**
 * Bitstring Status List (W3C Bitstring Status List v1.0) for revocation. Each issuer
 * has lists of 131,072 bits (the spec's minimum, 16 KiB, so a list hides which
 * credential a verifier asks about among many); bit i belongs to the credential with
 * statusListIndex i, counted from the left-most bit of the first byte; 1 = revoked.
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type Db, type HotStatement, hotQuery } from '@vcq/db';
import { type DataIntegrityFormat, isDataIntegrityFormat } from './data-integrity.js';
import type { Tx } from './db-types.js';
import type { CredentialFormat } from './schemas.js';

export const STATUS_LIST_BITS = 131_072;
export const STATUS_PURPOSE = 'revocation';

/**
 * How a list is published, in the format of the credentials it serves: `jwt` for
 * VCDM 1.1 VC-JWTs (a VC-JWT list), `vc+jwt` for VCDM 2.0 VC-JOSE-COSE credentials (the
 * list a VCDM 2.0 credential secured the same way), a Data Integrity format for
 * credentials of that format (the list signed with the same cryptosuite). A list
 * serves one of them only; lists made before `vc+jwt` lists existed stay `jwt`.
 */
export type StatusListFormat = 'jwt' | 'vc+jwt' | DataIntegrityFormat;

/** The list format for credentials issued in `format`. */
export function statusListFormatFor(format: CredentialFormat | undefined): StatusListFormat {
  if (isDataIntegrityFormat(format)) return format;
  return format === 'vc+jwt' ? 'vc+jwt' : 'jwt';
}
// A decoded list larger than this is refused: gzip makes a small body expand a lot.
const MAX_DECODED_BYTES = 16 * 1024 * 1024;

/** `encodedList`: multibase base64url (`u`) of the GZIP-compressed bitstring. */
export function encodeList(bits: Uint8Array): string {
  return `u${gzipSync(bits).toString('base64url')}`;
}

/** The bitstring of an `encodedList`; throws a plain Error saying what is wrong. */
export function decodeList(encodedList: string): Buffer {
  // StatusList2021 lists carry the same encoding without the multibase prefix.
  const base64url = encodedList.startsWith('u') ? encodedList.slice(1) : encodedList;
  if (!/^[A-Za-z0-9_-]+$/.test(base64url)) throw new Error('encodedList is not base64url');
  let bits: Buffer;
  try {
    bits = gunzipSync(Buffer.from(base64url, 'base64url'), { maxOutputLength: MAX_DECODED_BYTES });
  } catch (error) {
    throw new Error(`encodedList is not GZIP data within ${MAX_DECODED_BYTES} bytes`, { cause: error });
  }
  if (bits.length * 8 < STATUS_LIST_BITS) throw new Error(`encodedList has ${bits.length * 8} bits, fewer than the minimum ${STATUS_LIST_BITS}`);
  return bits;
}

/** The bit at `index` (0 = left-most bit of the first byte). */
export function bitAt(bits: Uint8Array, index: number): boolean {
  const byte = bits[index >> 3];
  if (byte === undefined || index < 0) throw new RangeError(`statusListIndex ${index} is outside a list of ${bits.length * 8} bits`);
  return ((byte >> (7 - (index & 7))) & 1) === 1;
}

const TAKE_INDEXES: HotStatement = {
  name: 'vcq_take_status_indexes',
  text: `
    WITH target AS (
      SELECT id, next_index AS first FROM status_lists
      WHERE issuer = $1 AND purpose = $2 AND format = $3 AND next_index < size
      ORDER BY created_at, id LIMIT 1
      FOR UPDATE
    )
    UPDATE status_lists s SET next_index = LEAST(s.size, s.next_index + $4::int), updated_at = now()
    FROM target WHERE s.id = target.id
    RETURNING s.id, target.first, s.next_index AS next`,
};

/**
 * Takes the next `count` free indexes of `issuer`'s lists, opening a new list when
 * all are full. One UPDATE per list it draws from: concurrent issuers queue on the
 * row lock and each sees the increment of the one before, so no two get the same
 * index. The lock lasts only for the increment, not for the signing that follows.
 * A list opened here belongs to `organizationId`, the issuer DID's.
 */
export async function allocateStatusIndexes(
  db: Db | Tx,
  issuer: string,
  count: number,
  organizationId: string,
  format: StatusListFormat = 'jwt',
): Promise<Array<{ listId: string; index: number }>> {
  const taken: Array<{ listId: string; index: number }> = [];
  for (let opened = 0; taken.length < count; ) {
    const want = count - taken.length;
    // The CTE locks the list row first, so `first` is the value this UPDATE increments.
    const rows = await hotQuery<{ id: string; first: number; next: number }>(db, TAKE_INDEXES, [issuer, STATUS_PURPOSE, format, want]);
    const row = rows[0];
    if (row) {
      for (let index = Number(row.first); index < Number(row.next); index++) taken.push({ listId: row.id, index });
      continue;
    }
    // No list with room (or others took the last indexes first): open one. Two racing
    // openers make two lists; both get used, which is harmless.
    if (++opened > 5) throw new Error(`Could not allocate ${count} status list indexes for ${issuer}`);
    await db.statusList.create({
      data: { id: randomUUID(), issuer, purpose: STATUS_PURPOSE, format, bits: new Uint8Array(STATUS_LIST_BITS / 8), size: STATUS_LIST_BITS, organizationId },
    });
  }
  return taken;
}

/**
 * Sets bit `index` of list `listId` in place, so concurrent revocations never lose each
 * other's bit; the list's version moves on, so its signed credential is made again.
 */
export async function setStatusBit(db: Db | Tx, listId: string, index: number): Promise<void> {
  // Postgres numbers the bits of a bytea from the right of each byte; the spec counts
  // from the left. Same byte, mirrored position.
  const position = (index & ~7) + (7 - (index & 7));
  await db.$executeRaw`
    UPDATE status_lists SET bits = set_bit(bits, ${position}, 1), version = version + 1, credential = NULL, updated_at = now()
    WHERE id = ${listId}`;
}
