/**
 * Credentials and DIDs: job-creating routes (queued like verification jobs), reads,
 * revocation, the VC API shape (`/credentials/issue`, `/credentials/verify`), and the
 * public documents vcq hosts (did:web DID documents, status-list credentials).
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError, NotFoundError, ValidationError } from '@vcq/errors';
import { assertDidKeys, type CredentialsService, DidCreateInputSchema, vcApi } from '@vcq/credentials';
import { DidDeactivateJobSchema, DidUpdateJobSchema, ENDED, IssueCredentialJobSchema, VerifyCredentialJobSchema, type JobName } from '@vcq/jobs';
import { idempotentJobId } from '../idempotency.js';
import { sendSubmission, type Responder } from '../submission.js';
import { canSee, ownerFor, OwnerFieldsSchema, tenantOf, visibleOr404 } from '../tenancy.js';
import { parseInput } from '../validation.js';

export interface CredentialRouteDeps extends Responder {
  credentials: CredentialsService;
}

const messages: Partial<Record<JobName, string>> = {
  'issue-credential': 'Credential issuance queued',
  'verify-credential': 'Credential verification queued',
  'did-create': 'DID creation queued',
  'did-update': 'DID update queued',
  'did-deactivate': 'DID deactivation queued',
};

/** A JSON body; express.json leaves `{}`-less requests undefined. */
const body = (req: Request): unknown => {
  if (!req.is('application/json') && req.body === undefined) {
    throw new ValidationError('send a JSON body (content-type: application/json)', [{ field: '(body)', message: 'must be a JSON object' }]);
  }
  return req.body ?? {};
};

/** `POST /api/dids` body: a DID to create (imported keys are handled in the request). */
export const DidCreateRequestSchema = DidCreateInputSchema.extend({ callbackUrl: z.string().optional(), ...OwnerFieldsSchema.shape });

/** Routes under /api that need an API key. */
export function credentialRoutes(deps: CredentialRouteDeps): Router {
  const router = Router();

  /** Submits a job owned by `owner` (by default: the request's own organization, or the one an admin key names). */
  const submit = async (req: Request, res: Response, name: JobName, input: object, owner = ownerFor(req, input)) => {
    const id = idempotentJobId(req);
    const submission = await deps.platform.submit(name, input, { owner, ...(id ? { id } : {}) });
    await sendSubmission(req, res, deps, submission, { pollUrl: `/api/jobs/${submission.job.id}`, message: messages[name] ?? 'Job queued' });
  };

  router.post('/credentials/issue', async (req, res) => {
    const input = parseInput(IssueCredentialJobSchema, body(req), 'body');
    // A did:key naming no usable key is the caller's 400 now, not a job that fails later.
    assertDidKeys({ issuerDid: input.issuerDid, subjectDid: input.subjectDid });
    await submit(req, res, 'issue-credential', input);
  });
  router.post('/credentials/verify', async (req, res) => {
    await submit(req, res, 'verify-credential', parseInput(VerifyCredentialJobSchema, body(req), 'body'));
  });
  router.get('/credentials/:id', async (req, res) => {
    res.json(visibleOr404(req, await deps.credentials.credentials.get(req.params.id), `no credential ${req.params.id}`));
  });
  router.post('/credentials/:id/revoke', async (req, res) => {
    const credential = visibleOr404(req, await deps.credentials.credentials.get(req.params.id), `No credential ${req.params.id}`);
    res.json(await deps.credentials.credentials.revoke(credential.id));
  });

  router.post('/dids', async (req, res) => {
    const input = parseInput(DidCreateRequestSchema, body(req), 'body');
    if (input.seedHex || input.privateKeyJwk) {
      // An imported key is encrypted and stored here, in the request, so that no
      // private key ever sits in a job payload (Redis or the jobs table).
      const { callbackUrl: _, organizationId: __, userId: ___, ...create } = input;
      res.status(201).json({ mode: 'sync', result: await deps.credentials.dids.create(create, ownerFor(req, input)) });
      return;
    }
    await submit(req, res, 'did-create', input);
  });

  /**
   * The owner of a change to `did`: another organization's DID is answered as one vcq
   * does not hold; a platform-wide key acts for the DID's own organization.
   */
  const didOwner = async (req: Request, did: string, input: object) => {
    const controller = await deps.credentials.dids.ownerOf(did);
    if (controller === null) return ownerFor(req, input);
    if (!canSee(req, controller)) throw new NotFoundError(`vcq has no DID ${did}`);
    return tenantOf(req).platformWide ? { ...ownerFor(req, input), organizationId: controller } : ownerFor(req, input);
  };
  router.get('/dids/:did', async (req, res) => {
    res.json(await deps.credentials.dids.resolve(req.params.did));
  });
  router.post('/dids/:did/update', async (req, res) => {
    const input = parseInput(DidUpdateJobSchema, { ...(body(req) as object), did: req.params.did }, 'body');
    await submit(req, res, 'did-update', input, await didOwner(req, input.did, input));
  });
  router.post('/dids/:did/deactivate', async (req, res) => {
    const extra = req.body && typeof req.body === 'object' ? (req.body as object) : {};
    const input = parseInput(DidDeactivateJobSchema, { ...extra, did: req.params.did }, 'body');
    await submit(req, res, 'did-deactivate', input, await didOwner(req, input.did, input));
  });
  return router;
}

/**
 * The W3C VC API shape, for clients (and remote vcq issuer backends) that speak it.
 * It answers with the finished credential, so it runs the job and waits for it.
 */
export function vcApiRoutes(deps: CredentialRouteDeps): Router {
  const router = Router();
  /** Submits and waits; the job's own error (e.g. unknown issuer) becomes the answer. */
  const run = async (req: Request, name: JobName, input: unknown): Promise<unknown> => {
    const submission = await deps.platform.submit(name, input, { owner: ownerFor(req) });
    if (submission.mode === 'sync') return submission.result;
    const job = await deps.watcher.wait(submission.job.id, ENDED, deps.preferWaitMaxSeconds * 1000);
    if (!job) throw new AppError('timeout', 504, `job ${submission.job.id} did not finish in time; poll /api/jobs/${submission.job.id}`);
    if (job.status === 'cancelled') throw new AppError('job_cancelled', 409, `job ${submission.job.id} was cancelled before it finished`);
    if (job.status === 'failed') throw new AppError(job.error?.code ?? 'job_failed', 422, job.error?.message ?? 'the job failed');
    return job.result;
  };
  // Mounted at /credentials.
  router.post('/issue', async (req, res) => {
    const result = await run(req, 'issue-credential', vcApi.issueRequestToInput(body(req)));
    res.status(201).json(vcApi.issueResponse(result as never));
  });
  router.post('/verify', async (req, res) => {
    const result = await run(req, 'verify-credential', vcApi.verifyRequestToInput(body(req)));
    res.status(200).json(vcApi.verifyResponse(result as never));
  });
  return router;
}

/** Public documents: did:web DID documents and status-list credentials. */
export function publicDocumentRoutes(credentials: CredentialsService): Router {
  const router = Router();
  router.get('/.well-known/did.json', async (_req, res) => {
    const doc = await credentials.dids.webDocument([]);
    if (!doc) throw new NotFoundError('no DID document for this host');
    res.type('application/did+json').json(doc);
  });
  router.get('/status-lists/:id', async (req, res) => {
    const list = await credentials.credentials.statusListCredential(req.params.id);
    if (!list) throw new NotFoundError(`no status list ${req.params.id}`);
    // Caches may keep it for its ttl, never past its validUntil; the same bytes keep the same ETag.
    const maxAge = Math.max(0, Math.floor(Math.min(list.ttlMs, list.validUntil.getTime() - Date.now()) / 1000));
    res.setHeader('Cache-Control', `public, max-age=${maxAge}`);
    res.setHeader('ETag', list.etag);
    res.setHeader('Last-Modified', list.signedAt.toUTCString());
    res.setHeader('Expires', list.validUntil.toUTCString());
    if (notModified(req, list.etag, list.signedAt)) {
      res.status(304).end();
      return;
    }
    res.type(list.mediaType).send(list.credential);
  });
  // did:web:<host>:<a>:<b> lives at /a/b/did.json (after every other route). Path
  // segments are plain unreserved characters, so the raw (undecoded) path is compared
  // as it is: anything percent-encoded names no DID and gets a 404, never a decode error.
  router.get(/^\/.+\/did\.json$/, async (req, res) => {
    const path = req.path.slice(1, -'/did.json'.length);
    const doc = await credentials.dids.webDocument(path.split('/'));
    if (!doc) throw new NotFoundError(`no DID document at ${req.path}`);
    res.type('application/did+json').json(doc);
  });
  return router;
}

/**
 * RFC 9110 §13.1: whether a conditional GET already holds this representation. The
 * origin evaluates If-None-Match (weak comparison) and, only without it,
 * If-Modified-Since; a client's `Cache-Control: no-cache` (fetch sends one with any
 * conditional request) is for caches, not for the origin's own comparison.
 */
function notModified(req: Request, etag: string, lastModified: Date): boolean {
  const tags = req.header('if-none-match');
  if (tags !== undefined) {
    const bare = (tag: string) => tag.trim().replace(/^W\//, '');
    return tags.trim() === '*' || tags.split(',').some((tag) => bare(tag) === bare(etag));
  }
  const since = Date.parse(req.header('if-modified-since') ?? '');
  return Number.isFinite(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}
