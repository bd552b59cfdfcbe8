/**
 * Tenancy: every job, DID, credential, status list, webhook delivery and VC-event
 * record belongs to one organization, and an API key sees and acts only on its own
 * organization's. A key with the `admin` scope is platform-wide: it sees every
 * organization's resources and may act for any of them.
 *
 * Another organization's resource is answered exactly like one that does not exist
 * (404 with the same words), so a key learns nothing about what others hold.
 */
import type { Request } from 'express';
import { z } from 'zod';
import { ORGANIZATION_ID } from '@vcq/config';
import { AppError, fieldErrorsFromZod, NotFoundError, ValidationError } from '@vcq/errors';

/** Who a request acts for. */
export interface Tenant {
  /** The organization the request's key belongs to. */
  organizationId: string;
  /** An `admin` key: sees and acts on every organization. */
  platformWide: boolean;
}

/** The tenant of an authenticated request (routes behind `authenticate` only). */
export function tenantOf(req: Request): Tenant {
  const key = req.apiKey;
  if (!key) throw new Error('tenantOf() needs an authenticated request');
  return { organizationId: key.organizationId, platformWide: key.scopes.includes('admin') };
}

/** The organization to filter reads by: the key's own, or none for a platform-wide key. */
export function readScope(req: Request): string | undefined {
  const tenant = tenantOf(req);
  return tenant.platformWide ? undefined : tenant.organizationId;
}

/** Whether the request may see a resource owned by `organizationId`. */
export function canSee(req: Request, organizationId: string): boolean {
  const tenant = tenantOf(req);
  return tenant.platformWide || tenant.organizationId === organizationId;
}

/** The resource when the request may see it; otherwise the 404 a missing one gets. */
export function visibleOr404<T extends { organizationId: string }>(
  req: Request,
  resource: T | null | undefined,
  notFound: string,
  NotFound: new (message: string) => NotFoundError = NotFoundError,
): T {
  if (!resource || !canSee(req, resource.organizationId)) throw new NotFound(notFound);
  return resource;
}

/** `organizationId` and `userId` as a job-creating request may send them. */
export const OwnerFieldsSchema = z.object({
  organizationId: z
    .string()
    .regex(ORGANIZATION_ID, { message: 'must be an organization id (lower-case letters, digits, "_" or "-")' })
    .optional()
    .describe('Whose job this is: your API key’s organization (the default). Only an `admin` key may name another.'),
  userId: z.string().min(1).max(200).optional().describe('Who in the organization the job is for; recorded with the job.'),
});

/** The owner of a job the request creates: its key's organization, or the one an admin key names. */
export function ownerFor(req: Request, requested: { organizationId?: unknown; userId?: unknown } = {}): { organizationId: string; userId?: string } {
  const tenant = tenantOf(req);
  const fields = OwnerFieldsSchema.safeParse({ organizationId: requested.organizationId, userId: requested.userId });
  if (!fields.success) {
    const errors = fieldErrorsFromZod(fields.error, { fallbackField: 'organizationId' });
    throw new ValidationError(`invalid ${errors[0]?.field ?? 'organizationId'}`, errors);
  }
  const { organizationId, userId } = fields.data;
  if (organizationId !== undefined && organizationId !== tenant.organizationId && !tenant.platformWide) {
    throw new AppError('organization_mismatch', 403, `this API key belongs to organization "${tenant.organizationId}" and cannot act for another`, {
      errors: [{ field: 'organizationId', message: `must be "${tenant.organizationId}" (your key's organization) or left out` }],
    });
  }
  return { organizationId: organizationId ?? tenant.organizationId, ...(userId !== undefined ? { userId } : {}) };
}
