import { DEFAULT_ORGANIZATION } from '@vcq/config';
import type { CredentialsService } from '@vcq/credentials';
import type { Verifier } from '@vcq/verification';
import type { WebhookStore } from '@vcq/webhooks';
import type { Handlers } from './processor.js';
import { deliveryAttempt } from './webhook-attempts.js';

export interface HandlerDeps {
  verifier: Verifier;
  credentials: CredentialsService;
  webhooks: { deliver(deliveryId: string, attempt: number): Promise<{ statusCode: number; durationMs: number }> };
  /** Lets a delivery job that was re-added from scratch continue the delivery's attempt count. */
  deliveries?: Pick<WebhookStore, 'get'>;
}

/** Strips the platform's own field so domain functions see only their input. */
function withoutCallback<T extends { callbackUrl?: string }>(data: T): Omit<T, 'callbackUrl'> {
  const { callbackUrl: _, ...rest } = data;
  return rest;
}

/** The job's input without the platform's fields, and the organization it acts for. */
function splitOwner<T extends { callbackUrl?: string; organizationId?: string; userId?: string }>(data: T) {
  const { organizationId, userId: _, ...input } = withoutCallback(data);
  // Jobs queued before organizations carry none: they belong to the default one.
  return { input, owner: { organizationId: organizationId ?? DEFAULT_ORGANIZATION } };
}

/** The handler for every job in the catalog, wired to its domain package. */
export function createHandlers(deps: HandlerDeps): Handlers {
  const verificationInput = (data: { contentHash: string; registryAddress: string; manifestUri: string }) => ({
    contentHash: data.contentHash as `0x${string}`,
    registryAddress: data.registryAddress as `0x${string}`,
    manifestUri: data.manifestUri,
  });
  return {
    verify: (data, ctx) => deps.verifier.verify(verificationInput(data), ctx),
    proof: (data, ctx) => deps.verifier.proof(verificationInput(data), ctx),
    // The job id doubles as the credential id, so a retried job returns the credential it made.
    'issue-credential': (data, ctx) => deps.credentials.credentials.issue({ ...withoutCallback(data), id: ctx.jobId }),
    'verify-credential': (data) => deps.credentials.credentials.verify(splitOwner(data).input),
    // Keyed by the job id too: a re-run returns the DID the first run stored (no second key).
    'did-create': (data, ctx) => {
      const { input, owner } = splitOwner(data);
      return deps.credentials.dids.create(input, owner, { jobId: ctx.jobId });
    },
    // A re-run of an update already applied changes nothing (no second key rotation).
    'did-update': (data, ctx) => {
      const {
        input: { did, ...update },
        owner,
      } = splitOwner(data);
      return deps.credentials.dids.update(did, update, owner, { jobId: ctx.jobId });
    },
    // Idempotent by nature: deactivating a deactivated DID returns it as it is.
    'did-deactivate': (data) => deps.credentials.dids.deactivate(data.did, splitOwner(data).owner),
    'webhook-deliver': async (data, ctx) => {
      const delivery = deps.deliveries ? await deps.deliveries.get(data.deliveryId) : null;
      return deps.webhooks.deliver(data.deliveryId, deliveryAttempt(delivery, ctx.attempt, new Date()));
    },
  };
}
