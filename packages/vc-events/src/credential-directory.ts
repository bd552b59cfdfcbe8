/**
 * Finding a credential by the public id the analytics API knows it by, and moving
 * its status. Revocation goes through the credentials service, so the status-list
 * bit flips with the status; revocation is permanent (a Bitstring Status List
 * `revocation` entry is never cleared), so an event cannot bring a credential back.
 */
import type { Db } from '@vcq/db';
import { AppError } from '@vcq/errors';
import type { CredentialStatusName } from './types.js';

export interface CredentialRef {
  id: string;
  publicId: string;
  status: CredentialStatusName;
  organizationId: string;
}

/** The credential is revoked and the event would make it valid again (vcq's own words, so they are shown). */
export class RevokedCredentialError extends AppError {
  override name = 'RevokedCredentialError';
  constructor(message: string) {
    super('credential_revoked', 409, message);
  }
}

export interface CredentialDirectory {
  /** The credential with this public id, of `organizationId` when given (another's is not found). */
  findByPublicId(publicId: string, organizationId?: string): Promise<CredentialRef | null>;
  /** Moves the credential to `status`; `unchanged` when it already had it. */
  setStatus(credential: CredentialRef, status: CredentialStatusName): Promise<'changed' | 'unchanged'>;
}

export interface CredentialDirectoryDeps {
  db: Db;
  /** The credentials service's revoke (status and status-list bit in one transaction). */
  revoke(id: string): Promise<{ status: string }>;
}

export function createCredentialDirectory(deps: CredentialDirectoryDeps): CredentialDirectory {
  return {
    async findByPublicId(publicId, organizationId) {
      const select = { id: true, publicId: true, status: true, organizationId: true } as const;
      // vcq's own public ids are stored lower-case (`urn:uuid:<uuid>`); analytics may echo them in any case.
      // A public id is unique within an organization: without one, the oldest row answers.
      const find = (id: string) =>
        deps.db.credential.findFirst({ where: { publicId: id, ...(organizationId === undefined ? {} : { organizationId }) }, select, orderBy: { createdAt: 'asc' } });
      return (await find(publicId)) ?? (publicId !== publicId.toLowerCase() ? await find(publicId.toLowerCase()) : null);
    },

    async setStatus(credential, status) {
      if (status === 'revoked') {
        if (credential.status === 'revoked') return 'unchanged';
        await deps.revoke(credential.id);
        return 'changed';
      }
      if (credential.status === 'revoked') {
        throw new RevokedCredentialError(`credential ${credential.publicId} is revoked; revocation is permanent, so it cannot become ${status}`);
      }
      // issued -> issued: nothing to write.
      return 'unchanged';
    },
  };
}
