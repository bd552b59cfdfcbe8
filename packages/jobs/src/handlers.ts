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
    'verify-credential': (data) => deps.credentials.credentials.verify(withoutCallback(data)),
    'did-create': (data) => deps.credentials.dids.create(withoutCallback(data)),
    'did-update': (data) => {
      const { did, ...update } = withoutCallback(data);
      return deps.credentials.dids.update(did, update);
    },
    'did-deactivate': (data) => deps.credentials.dids.deactivate(data.did),
    'webhook-deliver': async (data, ctx) => {
      const delivery = deps.deliveries ? await deps.deliveries.get(data.deliveryId) : null;
      return deps.webhooks.deliver(data.deliveryId, deliveryAttempt(delivery, ctx.attempt, new Date()));
    },
  };
}
