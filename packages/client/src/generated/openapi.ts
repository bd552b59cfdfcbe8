/**
 * vcq's HTTP API as TypeScript types, generated from its OpenAPI document by
 * openapi-typescript. Do not edit: run `pnpm client:generate` (the client's test
 * fails when this file and the API's document disagree).
 */

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the process is up */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: Postgres and the queue backend answer */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics
         * @description Jobs by queue and state, completed and failed counters, job duration and wait histograms, HTTP request durations, sync-fallback mode, reconciler re-adds, webhook outcomes and process metrics. Public unless `METRICS_TOKEN` is set: then a scrape sends it as `Authorization: Bearer <token>` (401 otherwise). With `METRICS_PORT` it is served on that port instead of this one.
         */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This OpenAPI 3.1 document */
        get: operations["getOpenApiDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Interactive API documentation (Swagger UI) */
        get: operations["getDocsPage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/.well-known/did.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The did:web document of this host */
        get: operations["getHostDidDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/status-lists/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A signed Bitstring Status List credential */
        get: operations["getStatusListCredential"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{path}/did.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A did:web document hosted by vcq
         * @description `did:web:<host>:a:b` lives at `/a/b/did.json`.
         */
        get: operations["getPathDidDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/verification-jobs/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Queue a verification of a file against its manifest and the on-chain registry */
        post: operations["submitVerificationJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/verification-jobs/proof": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Queue a proof of registration for a file */
        post: operations["submitProofJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/verification-jobs/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Queue a batch of verifications (or proofs): one parent job, a child per file
         * @description multipart/form-data with `file` repeated (at most `BATCH_MAX_ITEMS`) and `manifestURI` repeated in the same order; `registryAddress` once for every file or once per file; `type` `verify` (default) or `proof`; `callbackUrl` gets one `batch.completed` webhook when every child has ended. The whole batch is checked first: a fault is a 400 naming `items.<index>.<field>`, and nothing is queued. Poll the parent at `pollUrl`: its progress is the share of children that have ended, and its result summarises them.
         */
        post: operations["submitVerificationBatch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/verification-jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List verification jobs, newest first */
        get: operations["listVerificationJobs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/verification-jobs/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Counts of verification jobs by status */
        get: operations["getVerificationStats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/verification-jobs/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Poll a verification job */
        get: operations["getVerificationJob"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Verify a file in the request (legacy, no job) */
        post: operations["verifyNow"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/proof": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Build a proof of registration in the request (legacy, no job) */
        post: operations["proveNow"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/jobs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Poll a job of any queue */
        get: operations["getJob"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/jobs/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Follow a job live (Server-Sent Events)
         * @description `status` on each status change, `progress` while it runs, then one final event named after the outcome (`completed`, `failed` or `cancelled`) and the stream closes. Each `data` is a JobView. A job that has already ended gets the final event at once.
         */
        get: operations["streamJobEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/dids": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create a DID (did:key or did:web) */
        post: operations["createDid"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/dids/{did}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Resolve a DID */
        get: operations["resolveDid"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/dids/{did}/update": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate the key and/or change the services of a did:web DID
         * @description did:key cannot be updated: such a job fails at once, without retries.
         */
        post: operations["updateDid"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/dids/{did}/deactivate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Deactivate a did:web DID
         * @description did:key cannot be deactivated: such a job fails at once, without retries.
         */
        post: operations["deactivateDid"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/credentials/issue": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Queue the issuance of a VC-JWT
         * @description The job’s result is an IssueResult.
         */
        post: operations["issueCredential"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/credentials/issue/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Queue a batch of issuances: one parent job, a child per credential
         * @description A JSON array of issuance requests (each as for `POST /api/credentials/issue`, at most `BATCH_MAX_ITEMS`), or `{items, callbackUrl, organizationId, userId}` to give the batch a webhook (one `batch.completed` when every child has ended) or an owner. The whole batch is checked first: a fault is a 400 naming `items.<index>.<field>`, and nothing is queued. Poll the parent at `pollUrl`: its progress is the share of children that have ended, and its result summarises them; each child is an ordinary `issue-credential` job.
         */
        post: operations["issueCredentialBatch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/credentials/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Queue the verification of a credential
         * @description A VC-JWT as `vcJwt`, or a Data Integrity credential (with its `proof`) as `verifiableCredential`. The job’s result is a CredentialVerifyResult.
         */
        post: operations["verifyCredential"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/credentials/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A credential vcq issued */
        get: operations["getCredential"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/credentials/{id}/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Revoke a credential (idempotent) */
        post: operations["revokeCredential"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/emails": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Queue a templated email
         * @description Sent over SMTP_URL by the worker. A 4xx answer from the SMTP server retries with backoff; a 5xx fails the job at once. The job’s result is `{messageId, accepted, rejected, response, sentAt}`; its Message-ID is `<job id@PUBLIC_BASE_URL host>`, and a retried job never sends twice. 409 when SMTP_URL is unset.
         */
        post: operations["sendEmail"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/credentials/issue": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Issue a credential (W3C VC API)
         * @description Runs the issuance job and waits for it (up to `PREFER_WAIT_MAX_SECONDS`). Without `options.format`, a VCDM 2.0 credential is issued as `vc+jwt` (VC-JOSE-COSE) and a VCDM 1.1 one as a VC-JWT (`jwt_vc_json`), answered as an EnvelopedVerifiableCredential; with `options.format` `di-eddsa-rdfc-2022` or `di-eddsa-jcs-2022` the credential (either version) gets a Data Integrity proof and is answered as it is. Takes `Idempotency-Key`; the same `credential.id` again returns the same credential.
         */
        post: operations["vcApiIssue"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/credentials/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Verify a credential (W3C VC API)
         * @description Runs the verification job and waits for it (up to `PREFER_WAIT_MAX_SECONDS`). Takes `Idempotency-Key`. A credential that verifies is a 200 with `verified: true`; one that does not is a 400 problem document carrying `verified: false` and its problem details, as the W3C VC API test suites expect of a failed verification.
         */
        post: operations["vcApiVerify"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queue/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Counts of every queue */
        get: operations["getAllQueueStats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queue/{name}/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Counts of one queue */
        get: operations["getQueueStats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queue/{name}/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Jobs of a queue in one state, newest first
         * @description Completed and failed jobs come from Postgres (Redis forgets them); the others from the queue. `end` is inclusive and at most 1000 past `start`.
         */
        get: operations["listQueueJobs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queue/{name}/job/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A job with its BullMQ state */
        get: operations["getQueueJob"];
        put?: never;
        post?: never;
        /**
         * Remove a job; an open job’s row is marked cancelled
         * @description A waiting, delayed or running job’s row becomes `cancelled` (a running attempt finishes but its outcome is refused). A job that has already ended keeps its row’s outcome (`failed` or `completed`, `cancelled: false`): only the queue’s copy goes.
         */
        delete: operations["removeQueueJob"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queue/{name}/job/{jobId}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Retry a failed or cancelled job
         * @description The row goes back to `queued` with a new attempt.
         */
        post: operations["retryQueueJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queue/{name}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pause a queue (no job starts until resumed) */
        post: operations["pauseQueue"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queue/{name}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resume a paused queue */
        post: operations["resumeQueue"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queue/{name}/clean": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Remove jobs in one state older than a grace period
         * @description Waiting or delayed jobs removed this way never run: their rows are marked `cancelled`.
         */
        post: operations["cleanQueue"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queue/workers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every live worker process
         * @description From the heartbeat rows in Postgres, so it works on both queue backends and while Redis is down. A worker that stops beating drops out after `deadAfterMs` (WORKER_DEAD_AFTER_MS, default 20 s); one that shuts down cleanly drops out at once.
         */
        get: operations["listWorkers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queue/{name}/limits": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A queue’s concurrency and rate limit */
        get: operations["getQueueLimits"];
        /**
         * Set a queue’s concurrency or rate limit at run time
         * @description Kept in Postgres and winning over QUEUE_LIMITS until deleted; every worker applies it to its running Worker within SETTINGS_POLL_MS (default 2 s), without a restart (see `GET /queue/workers` for what each worker runs with). Fields not given keep the value that applies now; `limiter: null` removes the rate limit.
         */
        put: operations["setQueueLimits"];
        post?: never;
        /** Drop a queue’s limits set over the API: QUEUE_LIMITS applies again */
        delete: operations["resetQueueLimits"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queue/{name}/dead-letters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Jobs of a queue that failed for good, filtered by error code, job name and time
         * @description From Postgres, which keeps them until JOB_RETENTION_DAYS (Redis forgets failed jobs sooner). `since` and `until` bound the failure time.
         */
        get: operations["listDeadLetters"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queue/{name}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Retry many failed jobs at once, by id or by filter
         * @description Each row gets a new attempt, as `POST /queue/{name}/job/{jobId}/retry` gives one. Up to 100 rows are retried in the request (200); more run as a `redrive` job on the maintenance queue (202; its progress and report are at `pollUrl`). A filter without `until` stops at the request's time.
         */
        post: operations["retryQueueJobs"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every scheduled task: its cron, whether it is on, its next tick and its last run */
        get: operations["listTasks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/tasks/{name}/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Recent runs of a task, newest first */
        get: operations["listTaskRuns"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/tasks/{name}/schedule": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A task’s schedule: the one that applies, where it comes from, and its next tick */
        get: operations["getTaskSchedule"];
        /**
         * Set a task’s cron, time zone or switch at run time
         * @description Kept in Postgres and winning over the environment’s schedule until deleted; applied to the queue before the answer when it is available, and by every worker within SETTINGS_POLL_MS (default 2 s). Fields not given keep the value that applies now. A tick is still one run: its job id is derived from the task and the tick’s time.
         */
        put: operations["setTaskSchedule"];
        post?: never;
        /** Drop a task’s schedule set over the API: the environment’s applies again */
        delete: operations["resetTaskSchedule"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/tasks/{name}/run": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Run a task now
         * @description Queued for a worker (202; poll `pollUrl`); with `Prefer: wait=N`, 200 with the run when it ends within N seconds. When the queue is unavailable the task runs in the request (200, `mode: "sync"`).
         */
        post: operations["runTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks/retry-all": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Re-queue every webhook delivery that is due but not on the queue, now
         * @description Runs the webhook-retry-sweep task in the request with no grace period and answers its run; `result` counts what was due, on the queue and re-queued.
         */
        post: operations["retryAllWebhooks"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/vc-events/state": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** How far the VC-event processor has got */
        get: operations["getVcEventsState"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/vc-events/run": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Process every due window now
         * @description The `vc-events` task, triggered like `POST /admin/tasks/vc-events/run`.
         */
        post: operations["runVcEvents"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/vc-events/reset": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Move the processor’s position; the next run processes from there
         * @description Records already processed successfully are not processed again, so resetting into the past only picks up what was missed or failed.
         */
        post: operations["resetVcEvents"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/users/vc/process-event": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Process one VC event now (legacy)
         * @description One analytics record (`id` and `timestamp` optional), processed in the request with the same rules as a window run: its type is mapped through VC_EVENTS_TYPE_MAP and the credential with `vc_public_id` updated. A failure is a 500 problem; sending the event again retries it.
         */
        post: operations["processVcEvent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/queues": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Queue dashboard (Bull Board, read-only)
         * @description An HTML application; browsers can sign in with Basic authentication, the API key as password.
         */
        get: operations["getQueueDashboard"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description An RFC 9457 problem document. Some carry extension members, e.g. `checks` (readiness) or `requestId` (500). */
        Problem: {
            /** @description `urn:vcq:problem:<code>`, e.g. `urn:vcq:problem:validation_failed`. */
            type: string;
            /** @description The HTTP status phrase. */
            title: string;
            status: number;
            /** @description What went wrong, for a human. */
            detail: string;
            /** @description The problem type’s short string (`Job not found`, `Validation failed`), as Internet ID clients read it. */
            error: string;
            /** @description One entry per invalid field (400). */
            errors?: components["schemas"]["FieldError"][];
        } & {
            [key: string]: unknown;
        };
        FieldError: {
            /** @description The request field (or JSON path) the problem is about. */
            field: string;
            message: string;
        };
        /** @enum {string} */
        JobStatus: "queued" | "processing" | "completed" | "failed" | "cancelled";
        /** @description A job of any queue. */
        JobView: {
            /** Format: uuid */
            id: string;
            /**
             * Format: uuid
             * @description The same as `id`.
             */
            jobId: string;
            /** @description The BullMQ queue, e.g. `verification`, `vc-issuance`, `did-operations`. */
            queue: string;
            /** @description The job name, e.g. `verify`, `proof`, `issue-credential`, `did-create`. */
            type: string;
            /** @description `queued` → `processing` → `completed` | `failed` (or `cancelled` by an admin). */
            status: components["schemas"]["JobStatus"];
            /**
             * @description The same in BullMQ’s state names (Internet ID’s `state`).
             * @enum {string}
             */
            state: "waiting" | "active" | "completed" | "failed";
            /**
             * @description `sync` when it ran inside the request because the queue was down.
             * @enum {string}
             */
            mode: "async" | "sync";
            progress: number;
            /** @description Verification jobs: the SHA-256 of the uploaded file. */
            contentHash: string | null;
            /** @description Verification jobs: the manifest URI. */
            manifestUri: string | null;
            /** @description Verification jobs: the content registry read. */
            registryAddress: string | null;
            /** @description Null until the job completes; then the handler’s result: VerificationResult (verify), ProofResult (proof), IssueResult (issue-credential), CredentialVerifyResult (verify-credential), DidView (did-*), `{messageId, accepted, rejected, response, sentAt}` (emails/send), or for a batch’s parent (type `batch`) `{total, completed, failed, children: [{index, jobId, status, pollUrl, error, errorCode}]}`. */
            result: unknown;
            /** @description The last attempt’s error; set between retries, too. */
            error: string | null;
            errorCode: string | null;
            attempt: number;
            /** @description Attempts in all: the job type’s, or the `attempts` it was submitted with. */
            maxAttempts: number;
            retryCount: number;
            /** @description A batch’s child: its parent job (type `batch`), whose result summarises the batch. */
            parentId: string | null;
            /** @description A batch’s child: its place in the batch, from 0. */
            batchIndex: number | null;
            /** @description BullMQ priority, lower first: critical 0, high 1, normal 5, low 10 (the job type’s, or the `priority` it was submitted with). */
            priority: number;
            /** @description Not started before this time (its `delay` or `runAt`); null: as soon as a worker is free. */
            runAt: string | null;
            /** @description The organization that owns the job (its submitting key’s). */
            organizationId: string;
            /** @description The `userId` the job was submitted for, if any. */
            userId: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            startedAt: string | null;
            completedAt: string | null;
        };
        /** @description The job is queued. */
        JobAccepted: {
            /** @constant */
            mode: "async";
            /** Format: uuid */
            jobId: string;
            status: components["schemas"]["JobStatus"];
            message: string;
            /** @description Where to poll the job (also in `Location`). */
            pollUrl: string;
        };
        /** @description The queue was unavailable, so the job ran inside the request (sync fallback). */
        JobSyncResult: {
            /** @constant */
            mode: "sync";
            /** Format: uuid */
            jobId: string;
            /** @description The handler’s result, as in JobView.result. */
            result: unknown;
        };
        /** @description The finished job, answered when `Prefer: wait=N` was sent and the job ended within N seconds. */
        JobFinished: {
            /** Format: uuid */
            id: string;
            /**
             * Format: uuid
             * @description The same as `id`.
             */
            jobId: string;
            /** @description The BullMQ queue, e.g. `verification`, `vc-issuance`, `did-operations`. */
            queue: string;
            /** @description The job name, e.g. `verify`, `proof`, `issue-credential`, `did-create`. */
            type: string;
            /** @description `queued` → `processing` → `completed` | `failed` (or `cancelled` by an admin). */
            status: components["schemas"]["JobStatus"];
            /**
             * @description The same in BullMQ’s state names (Internet ID’s `state`).
             * @enum {string}
             */
            state: "waiting" | "active" | "completed" | "failed";
            /**
             * @description `sync` when it ran inside the request because the queue was down.
             * @enum {string}
             */
            mode: "async" | "sync";
            progress: number;
            /** @description Verification jobs: the SHA-256 of the uploaded file. */
            contentHash: string | null;
            /** @description Verification jobs: the manifest URI. */
            manifestUri: string | null;
            /** @description Verification jobs: the content registry read. */
            registryAddress: string | null;
            /** @description Null until the job completes; then the handler’s result: VerificationResult (verify), ProofResult (proof), IssueResult (issue-credential), CredentialVerifyResult (verify-credential), DidView (did-*), `{messageId, accepted, rejected, response, sentAt}` (emails/send), or for a batch’s parent (type `batch`) `{total, completed, failed, children: [{index, jobId, status, pollUrl, error, errorCode}]}`. */
            result: unknown;
            /** @description The last attempt’s error; set between retries, too. */
            error: string | null;
            errorCode: string | null;
            attempt: number;
            /** @description Attempts in all: the job type’s, or the `attempts` it was submitted with. */
            maxAttempts: number;
            retryCount: number;
            /** @description A batch’s child: its parent job (type `batch`), whose result summarises the batch. */
            parentId: string | null;
            /** @description A batch’s child: its place in the batch, from 0. */
            batchIndex: number | null;
            /** @description BullMQ priority, lower first: critical 0, high 1, normal 5, low 10 (the job type’s, or the `priority` it was submitted with). */
            priority: number;
            /** @description Not started before this time (its `delay` or `runAt`); null: as soon as a worker is free. */
            runAt: string | null;
            /** @description The organization that owns the job (its submitting key’s). */
            organizationId: string;
            /** @description The `userId` the job was submitted for, if any. */
            userId: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            startedAt: string | null;
            completedAt: string | null;
            pollUrl: string;
        };
        /** @description multipart/form-data with exactly one file in `file`. */
        VerificationUpload: {
            /**
             * Format: binary
             * @description The content; hashed while it streams, never stored.
             */
            file: string;
            /** @description `ipfs://…`, `https://…` (or `http://…`) URI of the signed manifest. */
            manifestURI: string;
            /** @description The content registry contract; optional when the server has `REGISTRY_ADDRESS`. */
            registryAddress?: string;
            /**
             * Format: uri
             * @description POSTed a signed webhook when the job ends.
             */
            callbackUrl?: string;
            /** @description Whose job this is: your API key’s organization (the default). Only an `admin` key may name another. */
            organizationId?: string;
            /** @description Who in the organization the job is for; recorded with the job. */
            userId?: string;
        };
        /** @description The result of a verification. */
        VerificationResult: {
            /**
             * @description `OK` when all checks hold, `WARN` when only the on-chain manifest URI differs, `FAIL` otherwise.
             * @enum {string}
             */
            status: "OK" | "WARN" | "FAIL";
            /** @description 0x-prefixed SHA-256 */
            fileHash: string;
            /** @description The manifest signer. */
            recovered: string | null;
            onchain: {
                registered: boolean;
                /** @description The hash the entry is registered under; the zero hash when unregistered. */
                contentHash: string;
                /** @description 0x-prefixed 20-byte address */
                creator: string;
                /** @description Seconds since the epoch; 0 when unregistered. */
                timestamp: number;
                manifestURI: string;
            };
            checks: {
                manifestHashOk: boolean;
                creatorOk: boolean;
                manifestOk: boolean;
            };
        };
        /** @description A proof of registration, with Internet ID’s field names beside vcq’s. */
        ProofResult: {
            /** @constant */
            version: "1.0";
            /**
             * Format: date-time
             * @description Internet ID’s name; the same as `generatedAt`.
             */
            generated_at: string;
            /** Format: date-time */
            generatedAt: string;
            network: {
                chainId: number;
            };
            /** @description 0x-prefixed 20-byte address */
            registry: string;
            content: {
                /** @description The uploaded file’s name (`unknown` when none). */
                file: string;
                /** @description 0x-prefixed SHA-256 */
                hash: string;
                uri: string;
            };
            manifest: {
                uri: string;
                /** @description Internet ID’s name; the same as `creatorDid`. */
                creator_did: string;
                /** @description The manifest’s EIP-191 signature. */
                signature: string;
                creatorDid: string;
                createdAt: string;
            };
            onchain: {
                registered: boolean;
                /** @description The hash the entry is registered under; the zero hash when unregistered. */
                contentHash: string;
                /** @description 0x-prefixed 20-byte address */
                creator: string;
                /** @description Seconds since the epoch; 0 when unregistered. */
                timestamp: number;
                manifestURI: string;
            };
            signature: {
                recovered: string | null;
                valid: boolean;
            };
            /** @description From the `ContentRegistered` log. */
            tx: {
                /** @description Internet ID’s name; the same as `hash`. */
                txHash: string;
                /** @description 0x-prefixed SHA-256 */
                hash: string;
                blockNumber: number;
            } | null;
            /** @description Internet ID’s three booleans, and the same checks under vcq’s names in `checks`. */
            verification: {
                fileHashMatchesManifest: boolean;
                creatorMatchesOnchain: boolean;
                manifestURIMatchesOnchain: boolean;
                /** @enum {string} */
                status: "OK" | "WARN" | "FAIL";
                checks: {
                    manifestHashOk: boolean;
                    creatorOk: boolean;
                    manifestOk: boolean;
                };
            };
        };
        /** @description A W3C DID document. */
        DidDocument: {
            "@context"?: string | (string | {
                [key: string]: unknown;
            })[];
            id: string;
            verificationMethod?: ({
                id: string;
                type: string;
                controller: string;
            } & {
                [key: string]: unknown;
            })[];
            authentication?: unknown[];
            assertionMethod?: unknown[];
            service?: ({
                id: string;
                type: string | string[];
                serviceEndpoint: unknown;
            } & {
                [key: string]: unknown;
            })[];
        } & {
            [key: string]: unknown;
        };
        /** @description A DID vcq controls. Never carries private key material. */
        DidView: {
            did: string;
            /** @enum {string} */
            method: "key" | "web";
            /** @enum {string} */
            status: "active" | "deactivated";
            document: components["schemas"]["DidDocument"];
            /** @description The verification method id of the current key; the `kid` of what it signs. */
            keyId: string;
            publicKeyJwk: {
                /** @constant */
                kty: "OKP";
                /** @constant */
                crv: "Ed25519";
                x: string;
            };
            services: ({
                id: string;
                type: string | string[];
                serviceEndpoint: unknown;
            } & {
                [key: string]: unknown;
            })[];
            /** @description The organization that controls it: only its keys may issue with, update or deactivate it. */
            organizationId: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            deactivatedAt: string | null;
        };
        /** @description The result of an issuance in a JWT format; in a Data Integrity format it is `{format, verifiableCredential, credentialId, issuedAt}`, the credential with its `proof`. */
        IssueResult: {
            vcJwt: string;
            /**
             * Format: uuid
             * @description The credential’s id; its VC id is `urn:uuid:<credentialId>`.
             */
            credentialId: string;
            /** Format: date-time */
            issuedAt: string;
        };
        CredentialVerifyResult: {
            valid: boolean;
            /** @description `credentialSubject` without its `id`; null when the credential could not be authenticated. */
            claims: {
                [key: string]: unknown;
            } | null;
            issuer: string | null;
            subject: string | null;
            /** @description Why the credential does not verify. */
            error: ("bad_signature" | "expired" | "not_yet_valid" | "revoked" | "unknown_issuer" | "malformed") | null;
        };
        CredentialView: {
            /** Format: uuid */
            id: string;
            /** @description The credential’s own `id`: the one a VC API caller gave it, else `urn:uuid:<id>`. */
            publicId: string;
            issuer: string;
            subject: string;
            type: string;
            /** @enum {string} */
            status: "issued" | "revoked";
            /** Format: date-time */
            issuedAt: string;
            expiresAt: string | null;
            revokedAt: string | null;
            statusListId: string;
            statusListIndex: number;
            /** @description Where the signed status list is published. */
            statusListCredential: string;
            /** @description The organization that issued it; only its keys (and platform-wide `admin` keys) see and revoke it. */
            organizationId: string;
            userId: string | null;
            /**
             * @description How the credential is encoded and secured.
             * @enum {string}
             */
            format: "jwt_vc_json" | "vc+jwt" | "di-eddsa-rdfc-2022" | "di-eddsa-jcs-2022";
            /** @description The signed credential (`jwt_vc_json`, `vc+jwt`). */
            vcJwt?: string;
            /** @description The credential with its Data Integrity `proof` (`di-eddsa-rdfc-2022`, `di-eddsa-jcs-2022`). */
            verifiableCredential?: {
                [key: string]: unknown;
            };
        };
        QueueStats: {
            name: string;
            paused: boolean;
            waiting: number;
            active: number;
            /** @description From Postgres, which keeps the history Redis drops. */
            completed: number;
            /** @description From Postgres. */
            failed: number;
            delayed: number;
            total: number;
            limits?: {
                /** @description Jobs at once per worker process. */
                concurrency: number;
                /** @description At most `max` job starts per `duration` ms across all workers; null for none. */
                limiter: {
                    max: number;
                    duration: number;
                } | null;
                /**
                 * @description `environment`: QUEUE_LIMITS / QUEUE_CONCURRENCY; `api`: set with `PUT /queue/{name}/limits`.
                 * @enum {string}
                 */
                source: "environment" | "api";
            };
        };
        /** @description multipart/form-data with exactly one file in `file`. */
        SubmitVerificationJobRequest: {
            /**
             * Format: binary
             * @description The content; hashed while it streams, never stored.
             */
            file: string;
            /** @description `ipfs://…`, `https://…` (or `http://…`) URI of the signed manifest. */
            manifestURI: string;
            /** @description The content registry contract; optional when the server has `REGISTRY_ADDRESS`. */
            registryAddress?: string;
            /**
             * Format: uri
             * @description POSTed a signed webhook when the job ends.
             */
            callbackUrl?: string;
            /** @description Whose job this is: your API key’s organization (the default). Only an `admin` key may name another. */
            organizationId?: string;
            /** @description Who in the organization the job is for; recorded with the job. */
            userId?: string;
            /** @description Which waiting job starts first: `critical` (0) < `high` (1) < `normal` (5) < `low` (10), or any BullMQ priority 0–2097152 (lower first). Default: the job type’s (credentials and DIDs `high`, the rest `normal`). */
            priority?: ("critical" | "high" | "normal" | "low") | number;
            /** @description Milliseconds from now before the job may start. Not with `runAt`. */
            delay?: number;
            /**
             * Format: date-time
             * @description The time before which the job does not start (a past time: now). Not with `delay`.
             */
            runAt?: string;
            /** @description Attempts in all before the job fails for good (a permanent error still fails at once); at most `MAX_JOB_ATTEMPTS` (default 10). Default: the job type’s (3). */
            attempts?: number;
        };
        /** @description multipart/form-data with `file` and `manifestURI` repeated, paired by order. */
        SubmitVerificationBatchRequest: {
            /** @description The files, one part each (the field repeated); each hashed while it streams, never stored. */
            file: string[];
            /** @description One per file, in the files’ order. */
            manifestURI: string[];
            /** @description Once for every file, or once per file; optional when the server has `REGISTRY_ADDRESS`. */
            registryAddress?: string[];
            /**
             * @description What each child does; `verify` by default.
             * @enum {string}
             */
            type?: "verify" | "proof";
            /**
             * Format: uri
             * @description POSTed one signed `batch.completed` webhook when every child has ended.
             */
            callbackUrl?: string;
            /** @description Whose job this is: your API key’s organization (the default). Only an `admin` key may name another. */
            organizationId?: string;
            /** @description Who in the organization the job is for; recorded with the job. */
            userId?: string;
            /** @description Which waiting job starts first: `critical` (0) < `high` (1) < `normal` (5) < `low` (10), or any BullMQ priority 0–2097152 (lower first). Default: the job type’s (credentials and DIDs `high`, the rest `normal`). */
            priority?: ("critical" | "high" | "normal" | "low") | number;
            /** @description Milliseconds from now before the job may start. Not with `runAt`. */
            delay?: number;
            /**
             * Format: date-time
             * @description The time before which the job does not start (a past time: now). Not with `delay`.
             */
            runAt?: string;
            /** @description Attempts in all before the job fails for good (a permanent error still fails at once); at most `MAX_JOB_ATTEMPTS` (default 10). Default: the job type’s (3). */
            attempts?: number;
        };
        /** @description `{"method":"key"}` queues a fresh did:key; `{"method":"web","path":[…]}` a did:web under PUBLIC_BASE_URL. With `seedHex` or `privateKeyJwk` the key is imported and stored in the request (201), never queued. */
        CreateDidRequest: {
            /** @enum {string} */
            method: "key" | "web";
            path?: string[];
            seedHex?: string;
            privateKeyJwk?: {
                /** @constant */
                kty: "OKP";
                /** @constant */
                crv: "Ed25519";
                d: string;
                x: string;
            };
            services?: {
                id: string;
                type: string | string[];
                serviceEndpoint: string | {
                    [key: string]: unknown;
                } | (string | {
                    [key: string]: unknown;
                })[];
            }[];
            callbackUrl?: string;
            /** @description Whose job this is: your API key’s organization (the default). Only an `admin` key may name another. */
            organizationId?: string;
            /** @description Who in the organization the job is for; recorded with the job. */
            userId?: string;
            /** @description Which waiting job starts first: `critical` (0) < `high` (1) < `normal` (5) < `low` (10), or any BullMQ priority 0–2097152 (lower first). Default: the job type’s (credentials and DIDs `high`, the rest `normal`). */
            priority?: ("critical" | "high" | "normal" | "low") | number;
            /** @description Milliseconds from now before the job may start. Not with `runAt`. */
            delay?: number;
            /**
             * Format: date-time
             * @description The time before which the job does not start (a past time: now). Not with `delay`.
             */
            runAt?: string;
            /** @description Attempts in all before the job fails for good (a permanent error still fails at once); at most `MAX_JOB_ATTEMPTS` (default 10). Default: the job type’s (3). */
            attempts?: number;
        };
        UpdateDidRequest: {
            rotateKey?: boolean;
            addServices?: {
                id: string;
                type: string | string[];
                serviceEndpoint: string | {
                    [key: string]: unknown;
                } | (string | {
                    [key: string]: unknown;
                })[];
            }[];
            removeServices?: string[];
            retireKeys?: string[];
            /** Format: uri */
            callbackUrl?: string;
            organizationId?: string;
            userId?: string;
            /** @description Which waiting job starts first: `critical` (0) < `high` (1) < `normal` (5) < `low` (10), or any BullMQ priority 0–2097152 (lower first). Default: the job type’s (credentials and DIDs `high`, the rest `normal`). */
            priority?: ("critical" | "high" | "normal" | "low") | number;
            /** @description Milliseconds from now before the job may start. Not with `runAt`. */
            delay?: number;
            /**
             * Format: date-time
             * @description The time before which the job does not start (a past time: now). Not with `delay`.
             */
            runAt?: string;
            /** @description Attempts in all before the job fails for good (a permanent error still fails at once); at most `MAX_JOB_ATTEMPTS` (default 10). Default: the job type’s (3). */
            attempts?: number;
        };
        DeactivateDidRequest: {
            /** Format: uri */
            callbackUrl?: string;
            organizationId?: string;
            userId?: string;
            /** @description Which waiting job starts first: `critical` (0) < `high` (1) < `normal` (5) < `low` (10), or any BullMQ priority 0–2097152 (lower first). Default: the job type’s (credentials and DIDs `high`, the rest `normal`). */
            priority?: ("critical" | "high" | "normal" | "low") | number;
            /** @description Milliseconds from now before the job may start. Not with `runAt`. */
            delay?: number;
            /**
             * Format: date-time
             * @description The time before which the job does not start (a past time: now). Not with `delay`.
             */
            runAt?: string;
            /** @description Attempts in all before the job fails for good (a permanent error still fails at once); at most `MAX_JOB_ATTEMPTS` (default 10). Default: the job type’s (3). */
            attempts?: number;
        };
        IssueCredentialRequest: {
            issuerDid: string;
            subjectDid: string;
            credentialType: string;
            claims: {
                [key: string]: unknown;
            };
            /** Format: date-time */
            expirationDate?: string;
            /** @enum {string} */
            format?: "jwt_vc_json" | "vc+jwt" | "di-eddsa-rdfc-2022" | "di-eddsa-jcs-2022";
            organizationId?: string;
            userId?: string;
            /** Format: uri */
            callbackUrl?: string;
            /** Format: uuid */
            batchId?: string;
            /** @description Which waiting job starts first: `critical` (0) < `high` (1) < `normal` (5) < `low` (10), or any BullMQ priority 0–2097152 (lower first). Default: the job type’s (credentials and DIDs `high`, the rest `normal`). */
            priority?: ("critical" | "high" | "normal" | "low") | number;
            /** @description Milliseconds from now before the job may start. Not with `runAt`. */
            delay?: number;
            /**
             * Format: date-time
             * @description The time before which the job does not start (a past time: now). Not with `delay`.
             */
            runAt?: string;
            /** @description Attempts in all before the job fails for good (a permanent error still fails at once); at most `MAX_JOB_ATTEMPTS` (default 10). Default: the job type’s (3). */
            attempts?: number;
        };
        IssueCredentialBatchRequest: {
            issuerDid: string;
            subjectDid: string;
            credentialType: string;
            claims: {
                [key: string]: unknown;
            };
            /** Format: date-time */
            expirationDate?: string;
            /** @enum {string} */
            format?: "jwt_vc_json" | "vc+jwt" | "di-eddsa-rdfc-2022" | "di-eddsa-jcs-2022";
        }[] | {
            items: {
                issuerDid: string;
                subjectDid: string;
                credentialType: string;
                claims: {
                    [key: string]: unknown;
                };
                /** Format: date-time */
                expirationDate?: string;
                /** @enum {string} */
                format?: "jwt_vc_json" | "vc+jwt" | "di-eddsa-rdfc-2022" | "di-eddsa-jcs-2022";
            }[];
            /**
             * Format: uri
             * @description POSTed one signed `batch.completed` webhook when every child has ended.
             */
            callbackUrl?: string;
            /** @description Whose job this is: your API key’s organization (the default). Only an `admin` key may name another. */
            organizationId?: string;
            /** @description Who in the organization the job is for; recorded with the job. */
            userId?: string;
            /** @description Which waiting job starts first: `critical` (0) < `high` (1) < `normal` (5) < `low` (10), or any BullMQ priority 0–2097152 (lower first). Default: the job type’s (credentials and DIDs `high`, the rest `normal`). */
            priority?: ("critical" | "high" | "normal" | "low") | number;
            /** @description Milliseconds from now before the job may start. Not with `runAt`. */
            delay?: number;
            /**
             * Format: date-time
             * @description The time before which the job does not start (a past time: now). Not with `delay`.
             */
            runAt?: string;
            /** @description Attempts in all before the job fails for good (a permanent error still fails at once); at most `MAX_JOB_ATTEMPTS` (default 10). Default: the job type’s (3). */
            attempts?: number;
        };
        VerifyCredentialRequest: {
            vcJwt?: string;
            verifiableCredential?: {
                [key: string]: unknown;
            };
            verifierDid?: string;
            /** Format: uri */
            callbackUrl?: string;
            organizationId?: string;
            userId?: string;
            /** @description Which waiting job starts first: `critical` (0) < `high` (1) < `normal` (5) < `low` (10), or any BullMQ priority 0–2097152 (lower first). Default: the job type’s (credentials and DIDs `high`, the rest `normal`). */
            priority?: ("critical" | "high" | "normal" | "low") | number;
            /** @description Milliseconds from now before the job may start. Not with `runAt`. */
            delay?: number;
            /**
             * Format: date-time
             * @description The time before which the job does not start (a past time: now). Not with `delay`.
             */
            runAt?: string;
            /** @description Attempts in all before the job fails for good (a permanent error still fails at once); at most `MAX_JOB_ATTEMPTS` (default 10). Default: the job type’s (3). */
            attempts?: number;
        };
        /** @description A templated email: `template` names a folder of EMAIL_TEMPLATES_DIR (subject.hbs, html.hbs, text.hbs) rendered with `context`; `subject` overrides the template’s. Attachments are base64, at most EMAIL_MAX_ATTACHMENT_BYTES in all. */
        SendEmailRequest: {
            to: string | string[];
            subject?: string;
            template: string;
            /** @default {} */
            context: {
                [key: string]: unknown;
            };
            attachments?: {
                filename: string;
                /** Format: base64 */
                content: string;
                contentType?: string;
            }[];
            /** @description Whose job this is: your API key’s organization (the default). Only an `admin` key may name another. */
            organizationId?: string;
            /** @description Who in the organization the job is for; recorded with the job. */
            userId?: string;
            /** @description Which waiting job starts first: `critical` (0) < `high` (1) < `normal` (5) < `low` (10), or any BullMQ priority 0–2097152 (lower first). Default: the job type’s (credentials and DIDs `high`, the rest `normal`). */
            priority?: ("critical" | "high" | "normal" | "low") | number;
            /** @description Milliseconds from now before the job may start. Not with `runAt`. */
            delay?: number;
            /**
             * Format: date-time
             * @description The time before which the job does not start (a past time: now). Not with `delay`.
             */
            runAt?: string;
            /** @description Attempts in all before the job fails for good (a permanent error still fails at once); at most `MAX_JOB_ATTEMPTS` (default 10). Default: the job type’s (3). */
            attempts?: number;
        };
        /** @description A W3C VC API issue request. Takes `Idempotency-Key`. */
        VcApiIssueRequest: {
            /** @description An unsecured credential: every member is issued as sent; vcq adds `credentialStatus` (and `id` and the issuance date when missing). `proof` and `credentialStatus` must be left out. */
            credential: {
                /** @description Starts with `https://www.w3.org/ns/credentials/v2` (VCDM 2.0) or `https://www.w3.org/2018/credentials/v1` (VCDM 1.1); every entry is kept. */
                "@context": (string | {
                    [key: string]: unknown;
                })[];
                /** @description Any URL. The same id from the same organization returns the same credential; another body under it is a 409. */
                id?: string;
                /** @description Includes `VerifiableCredential`; any others are kept. */
                type: string | string[];
                /** @description A DID the caller’s organization controls, or an object with it as `id`. */
                issuer: string | ({
                    id: string;
                } & {
                    [key: string]: unknown;
                });
                /** @description One subject or several; the first one’s `id` is a DID, which vcq records as the subject. */
                credentialSubject: ({
                    id?: string;
                } & {
                    [key: string]: unknown;
                }) | ({
                    id?: string;
                } & {
                    [key: string]: unknown;
                })[];
                /**
                 * Format: date-time
                 * @description VCDM 2.0; vcq sets the issuance time when left out.
                 */
                validFrom?: string;
                /**
                 * Format: date-time
                 * @description VCDM 2.0.
                 */
                validUntil?: string;
                /**
                 * Format: date-time
                 * @description VCDM 1.1; vcq sets the issuance time when left out.
                 */
                issuanceDate?: string;
                /**
                 * Format: date-time
                 * @description VCDM 1.1.
                 */
                expirationDate?: string;
            } & {
                [key: string]: unknown;
            };
            options?: {
                /** @description `vc+jwt` (the default for VCDM 2.0), `jwt_vc_json` (the default for VCDM 1.1), or `di-eddsa-rdfc-2022` / `di-eddsa-jcs-2022` (a Data Integrity proof, for either version; every `@context` must be one vcq has a copy of). */
                format?: string;
            } & {
                [key: string]: unknown;
            };
            /** @description Which waiting job starts first: `critical` (0) < `high` (1) < `normal` (5) < `low` (10), or any BullMQ priority 0–2097152 (lower first). Default: the job type’s (credentials and DIDs `high`, the rest `normal`). */
            priority?: ("critical" | "high" | "normal" | "low") | number;
            /** @description Milliseconds from now before the job may start. Not with `runAt`. */
            delay?: number;
            /**
             * Format: date-time
             * @description The time before which the job does not start (a past time: now). Not with `delay`.
             */
            runAt?: string;
            /** @description Attempts in all before the job fails for good (a permanent error still fails at once); at most `MAX_JOB_ATTEMPTS` (default 10). Default: the job type’s (3). */
            attempts?: number;
        };
        /** @description A W3C VC API verify request. */
        VcApiVerifyRequest: {
            /** @description A credential JWT (VC-JOSE-COSE or VCDM 1.1 VC-JWT), an EnvelopedVerifiableCredential with a `data:application/vc+jwt,` or `data:application/jwt,` id, or a credential with a Data Integrity `proof` (eddsa-rdfc-2022, eddsa-jcs-2022). */
            verifiableCredential: string | {
                [key: string]: unknown;
            };
            options?: {
                [key: string]: unknown;
            };
            /** @description Which waiting job starts first: `critical` (0) < `high` (1) < `normal` (5) < `low` (10), or any BullMQ priority 0–2097152 (lower first). Default: the job type’s (credentials and DIDs `high`, the rest `normal`). */
            priority?: ("critical" | "high" | "normal" | "low") | number;
            /** @description Milliseconds from now before the job may start. Not with `runAt`. */
            delay?: number;
            /**
             * Format: date-time
             * @description The time before which the job does not start (a past time: now). Not with `delay`.
             */
            runAt?: string;
            /** @description Attempts in all before the job fails for good (a permanent error still fails at once); at most `MAX_JOB_ATTEMPTS` (default 10). Default: the job type’s (3). */
            attempts?: number;
        };
        CleanQueueRequest: {
            grace: number;
            /**
             * @default completed
             * @enum {string}
             */
            status: "completed" | "failed" | "delayed" | "waiting";
            /** @default 10000 */
            limit: number;
        };
        SetQueueLimitsRequest: {
            concurrency?: number;
            limiter?: {
                max: number;
                duration: number;
            } | null;
        };
        RetryQueueJobsRequest: {
            ids?: string[];
            /** @description As `GET /queue/{name}/dead-letters` takes it; `{}` is every dead letter of the queue. */
            filter?: {
                /** @description The error code (`upstream_unavailable`, `invalid_job_data`, ...). */
                code?: string;
                /** @description The BullMQ job name (`verify`, `deliver`, ...). */
                jobName?: string;
                /**
                 * Format: date-time
                 * @description Failed at or after this time.
                 */
                since?: string;
                /**
                 * Format: date-time
                 * @description Failed before this time.
                 */
                until?: string;
            };
            /**
             * @description Retry at most this many (oldest failure first).
             * @default 1000
             */
            max: number;
        };
        SetTaskScheduleRequest: {
            cron?: string;
            timezone?: string;
            enabled?: boolean;
        };
        ResetVcEventsRequest: {
            /**
             * Format: date-time
             * @description The next run processes from here on (from 1970, not in the future).
             */
            from: string;
        };
        ProcessVcEventRequest: {
            id?: string | number;
            vc_public_id: string;
            type: string;
            /** Format: date-time */
            timestamp?: string;
        } & {
            [key: string]: unknown;
        };
    };
    responses: {
        /** @description The request is malformed; `errors` names each invalid field. JSON nested deeper than 64 levels, and text Postgres cannot store (NUL, unpaired UTF-16 surrogates) anywhere in a body, form, query or path, are refused here too. */
        BadRequest: {
            headers: {
                "x-request-id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No API key, or not a valid one. */
        Unauthorized: {
            headers: {
                "x-request-id": components["headers"]["RequestId"];
                "WWW-Authenticate": components["headers"]["WwwAuthenticate"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The API key lacks the scope this operation needs; or, for anything but GET and HEAD, the key came as Basic (a browser sends that by itself) or the request came from a page of another site (`Sec-Fetch-Site`, or an `Origin` not in CORS_ORIGINS). */
        Forbidden: {
            headers: {
                "x-request-id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description There is no such resource. */
        NotFound: {
            headers: {
                "x-request-id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The request conflicts with the resource’s state. */
        Conflict: {
            headers: {
                "x-request-id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The resource existed and is gone for good: a deactivated did:web serves no document (`urn:vcq:problem:did_deactivated`). */
        Gone: {
            headers: {
                "x-request-id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The body is larger than the limit (`JSON_BODY_LIMIT`, or `MAX_UPLOAD_BYTES` for uploads). */
        ContentTooLarge: {
            headers: {
                "x-request-id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Not a body this operation reads: uploads are `multipart/form-data` with the file in the field `file`; JSON is UTF-8. */
        UnsupportedMediaType: {
            headers: {
                "x-request-id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The job ran and failed (e.g. an unknown issuer). */
        UnprocessableContent: {
            headers: {
                "x-request-id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description This API key has spent its rate limit, or this client address has failed authentication too often (`AUTH_FAILURE_RATE_LIMIT_POINTS`); retry after `Retry-After` seconds. */
        TooManyRequests: {
            headers: {
                "x-request-id": components["headers"]["RequestId"];
                "Retry-After": components["headers"]["RetryAfter"];
                "RateLimit-Limit": components["headers"]["RateLimitLimit"];
                "RateLimit-Remaining": components["headers"]["RateLimitRemaining"];
                "RateLimit-Reset": components["headers"]["RateLimitReset"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description An unexpected error; it has been logged under `requestId`. */
        InternalError: {
            headers: {
                "x-request-id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description A peer (RPC node, manifest host, DID host, remote issuer) failed. */
        BadGateway: {
            headers: {
                "x-request-id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description A dependency (database or queue) is unavailable; retry after `Retry-After` seconds. */
        ServiceUnavailable: {
            headers: {
                "x-request-id": components["headers"]["RequestId"];
                "Retry-After": components["headers"]["RetryAfter"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The job did not finish in time; poll it at the URL in `detail`. */
        GatewayTimeout: {
            headers: {
                "x-request-id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: {
        /** @description Makes a retried POST safe: the same key and body return the original job; the same key with a different body is 409. Scoped to the API key and route. */
        IdempotencyKey: string;
        /** @description `wait=N` (RFC 7240): answer 200 with the finished job if it ends within N seconds (capped by the server), else 202 as usual. */
        Prefer: string;
    };
    requestBodies: never;
    headers: {
        /** @description The request id (yours, if you sent a sane `x-request-id`); logs carry it. */
        RequestId: string;
        /** @description Where to poll the job. */
        Location: string;
        /** @description `wait=N` when `Prefer: wait=N` was honoured (N capped by the server). */
        PreferenceApplied: string;
        /** @description Seconds to wait before retrying. */
        RetryAfter: number;
        /** @description Requests allowed per window for this key. */
        RateLimitLimit: number;
        /** @description Requests left in this window. */
        RateLimitRemaining: number;
        /** @description Seconds until the window resets. */
        RateLimitReset: number;
        /** @description `<limit>;w=<window seconds>`. */
        RateLimitPolicy: string;
        /** @description The accepted schemes: `Bearer, Basic realm="vcq"`. */
        WwwAuthenticate: string;
        /** @description The version of the document; send it back in `If-None-Match`. */
        ETag: string;
        /** @description When the document was signed. */
        LastModified: string;
        /** @description How long caches may keep the document. */
        CacheControl: string;
        /** @description When the cached copy goes stale. */
        Expires: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Up. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "ok";
                    };
                };
            };
            500: components["responses"]["InternalError"];
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "ready";
                        checks: {
                            /**
                             * @description `SELECT 1` on vcq’s database pool.
                             * @constant
                             */
                            database: "up";
                            /**
                             * @description The queue backend’s own check: PING on the Redis producer connection; with `QUEUE_BACKEND=postgres`, a read of BullMQ’s `job` table (schema `bullmq`) through the queue backend’s own pool.
                             * @constant
                             */
                            queue: "up";
                            /**
                             * @description Which backend `queue` checked (`QUEUE_BACKEND`).
                             * @enum {string}
                             */
                            queueBackend: "redis" | "postgres" | "none";
                        };
                    };
                };
            };
            500: components["responses"]["InternalError"];
            /** @description Not ready; the problem’s `checks` says which dependency is `down`. */
            503: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The Prometheus text exposition format. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            401: components["responses"]["Unauthorized"];
            500: components["responses"]["InternalError"];
        };
    };
    getOpenApiDocument: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The document. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            500: components["responses"]["InternalError"];
        };
    };
    getDocsPage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An HTML page. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            500: components["responses"]["InternalError"];
        };
    };
    getHostDidDocument: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The DID document of `did:web:<host>`. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/did+json": components["schemas"]["DidDocument"];
                };
            };
            404: components["responses"]["NotFound"];
            410: components["responses"]["Gone"];
            500: components["responses"]["InternalError"];
        };
    };
    getStatusListCredential: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The status list id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The BitstringStatusListCredential in the format of the credentials it serves: a VC-JWT (`application/jwt`) for VCDM 1.1 VC-JWTs, a VCDM 2.0 credential secured with VC-JOSE-COSE (`application/vc+jwt`) for `vc+jwt` ones, a JSON-LD credential with the same cryptosuite's proof (`application/vc`) for Data Integrity ones; signed when a status changes or half its validity has passed, not per request. Cacheable for `STATUS_LIST_TTL`; the credential's `exp` is `STATUS_LIST_VALIDITY` after signing. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    ETag: components["headers"]["ETag"];
                    "Last-Modified": components["headers"]["LastModified"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    Expires: components["headers"]["Expires"];
                    [name: string]: unknown;
                };
                content: {
                    "application/jwt": string;
                };
            };
            /** @description Not modified: the `If-None-Match` or `If-Modified-Since` sent still names the current list. */
            304: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: components["responses"]["NotFound"];
            500: components["responses"]["InternalError"];
        };
    };
    getPathDidDocument: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The DID’s path segments joined with `/` (e.g. `issuers/acme`). */
                path: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The DID document. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/did+json": components["schemas"]["DidDocument"];
                };
            };
            404: components["responses"]["NotFound"];
            410: components["responses"]["Gone"];
            500: components["responses"]["InternalError"];
        };
    };
    submitVerificationJob: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the same key and body return the original job; the same key with a different body is 409. Scoped to the API key and route. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
                /** @description `wait=N` (RFC 7240): answer 200 with the finished job if it ends within N seconds (capped by the server), else 202 as usual. */
                Prefer?: components["parameters"]["Prefer"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": components["schemas"]["SubmitVerificationJobRequest"];
            };
        };
        responses: {
            /** @description Finished in the request: with `Prefer: wait=N`, the finished job; when the queue is unavailable, the sync-fallback result. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    "Preference-Applied": components["headers"]["PreferenceApplied"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobFinished"] | components["schemas"]["JobSyncResult"];
                };
            };
            /** @description Queued; poll `/api/verification-jobs/{jobId}` (also in `Location`). */
            202: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description This `Idempotency-Key` was used before with a different body. */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    submitProofJob: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the same key and body return the original job; the same key with a different body is 409. Scoped to the API key and route. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
                /** @description `wait=N` (RFC 7240): answer 200 with the finished job if it ends within N seconds (capped by the server), else 202 as usual. */
                Prefer?: components["parameters"]["Prefer"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": components["schemas"]["SubmitVerificationJobRequest"];
            };
        };
        responses: {
            /** @description Finished in the request: with `Prefer: wait=N`, the finished job; when the queue is unavailable, the sync-fallback result. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    "Preference-Applied": components["headers"]["PreferenceApplied"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobFinished"] | components["schemas"]["JobSyncResult"];
                };
            };
            /** @description Queued; poll `/api/verification-jobs/{jobId}` (also in `Location`). */
            202: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description This `Idempotency-Key` was used before with a different body. */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    submitVerificationBatch: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the same key and body return the original job; the same key with a different body is 409. Scoped to the API key and route. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": components["schemas"]["SubmitVerificationBatchRequest"];
            };
        };
        responses: {
            /** @description Queued; poll the parent at `pollUrl` (also in `Location`). */
            202: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        mode: "async";
                        /**
                         * Format: uuid
                         * @description The parent job’s id.
                         */
                        jobId: string;
                        status: components["schemas"]["JobStatus"];
                        message: string;
                        /** @description Where to poll the parent (also in `Location`). */
                        pollUrl: string;
                        /** @description How many children the batch has. */
                        total: number;
                        /** @description Each child, in the items’ order. */
                        items: {
                            index: number;
                            /** Format: uuid */
                            jobId: string;
                            pollUrl: string;
                        }[];
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listVerificationJobs: {
        parameters: {
            query?: {
                status?: "queued" | "processing" | "completed" | "failed" | "cancelled";
                limit?: number;
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of jobs. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description The page (Internet ID’s name); the same as `items`. */
                        jobs: components["schemas"]["JobView"][];
                        /** @description How many jobs this page holds (Internet ID’s name); `total` counts them all. */
                        count: number;
                        items: components["schemas"]["JobView"][];
                        total: number;
                        limit: number;
                        offset: number;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    getVerificationStats: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Counts. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Whether the queue (Redis) is reachable; false means new jobs run in sync fallback. */
                        available: boolean;
                        waiting: number;
                        active: number;
                        completed: number;
                        failed: number;
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    getVerificationJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The job id (a UUID). */
                jobId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobView"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    verifyNow: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": components["schemas"]["VerificationUpload"];
            };
        };
        responses: {
            /** @description The verification result. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VerificationResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    proveNow: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": components["schemas"]["VerificationUpload"];
            };
        };
        responses: {
            /** @description The proof. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProofResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The job id (a UUID). */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobView"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    streamJobEvents: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The job id (a UUID). */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An event stream. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    createDid: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the same key and body return the original job; the same key with a different body is 409. Scoped to the API key and route. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
                /** @description `wait=N` (RFC 7240): answer 200 with the finished job if it ends within N seconds (capped by the server), else 202 as usual. */
                Prefer?: components["parameters"]["Prefer"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateDidRequest"];
            };
        };
        responses: {
            /** @description Finished in the request: with `Prefer: wait=N`, the finished job; when the queue is unavailable, the sync-fallback result. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    "Preference-Applied": components["headers"]["PreferenceApplied"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobFinished"] | components["schemas"]["JobSyncResult"];
                };
            };
            /** @description An imported key, stored in the request. */
            201: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        mode: "sync";
                        result: components["schemas"]["DidView"];
                    };
                };
            };
            /** @description Queued; poll `/api/jobs/{jobId}` (also in `Location`). */
            202: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description This `Idempotency-Key` was used before with a different body. */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    resolveDid: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The DID, URL-encoded (`did%3Akey%3Az6Mk…`). */
                did: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The DID resolution result. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        didDocument: components["schemas"]["DidDocument"];
                        didDocumentMetadata: {
                            /** @constant */
                            deactivated?: true;
                            created?: string;
                            updated?: string;
                        };
                        didResolutionMetadata: {
                            contentType: string;
                        };
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["BadGateway"];
        };
    };
    updateDid: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the same key and body return the original job; the same key with a different body is 409. Scoped to the API key and route. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
                /** @description `wait=N` (RFC 7240): answer 200 with the finished job if it ends within N seconds (capped by the server), else 202 as usual. */
                Prefer?: components["parameters"]["Prefer"];
            };
            path: {
                /** @description The DID, URL-encoded (`did%3Akey%3Az6Mk…`). */
                did: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateDidRequest"];
            };
        };
        responses: {
            /** @description Finished in the request: with `Prefer: wait=N`, the finished job; when the queue is unavailable, the sync-fallback result. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    "Preference-Applied": components["headers"]["PreferenceApplied"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobFinished"] | components["schemas"]["JobSyncResult"];
                };
            };
            /** @description Queued; poll `/api/jobs/{jobId}` (also in `Location`). */
            202: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description This `Idempotency-Key` was used before with a different body. */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    deactivateDid: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the same key and body return the original job; the same key with a different body is 409. Scoped to the API key and route. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
                /** @description `wait=N` (RFC 7240): answer 200 with the finished job if it ends within N seconds (capped by the server), else 202 as usual. */
                Prefer?: components["parameters"]["Prefer"];
            };
            path: {
                /** @description The DID, URL-encoded (`did%3Akey%3Az6Mk…`). */
                did: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["DeactivateDidRequest"];
            };
        };
        responses: {
            /** @description Finished in the request: with `Prefer: wait=N`, the finished job; when the queue is unavailable, the sync-fallback result. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    "Preference-Applied": components["headers"]["PreferenceApplied"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobFinished"] | components["schemas"]["JobSyncResult"];
                };
            };
            /** @description Queued; poll `/api/jobs/{jobId}` (also in `Location`). */
            202: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description This `Idempotency-Key` was used before with a different body. */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    issueCredential: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the same key and body return the original job; the same key with a different body is 409. Scoped to the API key and route. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
                /** @description `wait=N` (RFC 7240): answer 200 with the finished job if it ends within N seconds (capped by the server), else 202 as usual. */
                Prefer?: components["parameters"]["Prefer"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["IssueCredentialRequest"];
            };
        };
        responses: {
            /** @description Finished in the request: with `Prefer: wait=N`, the finished job; when the queue is unavailable, the sync-fallback result. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    "Preference-Applied": components["headers"]["PreferenceApplied"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobFinished"] | components["schemas"]["JobSyncResult"];
                };
            };
            /** @description Queued; poll `/api/jobs/{jobId}` (also in `Location`). */
            202: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description This `Idempotency-Key` was used before with a different body. */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    issueCredentialBatch: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the same key and body return the original job; the same key with a different body is 409. Scoped to the API key and route. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["IssueCredentialBatchRequest"];
            };
        };
        responses: {
            /** @description Queued; poll the parent at `pollUrl` (also in `Location`). */
            202: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        mode: "async";
                        /**
                         * Format: uuid
                         * @description The parent job’s id.
                         */
                        jobId: string;
                        status: components["schemas"]["JobStatus"];
                        message: string;
                        /** @description Where to poll the parent (also in `Location`). */
                        pollUrl: string;
                        /** @description How many children the batch has. */
                        total: number;
                        /** @description Each child, in the items’ order. */
                        items: {
                            index: number;
                            /** Format: uuid */
                            jobId: string;
                            pollUrl: string;
                        }[];
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    verifyCredential: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the same key and body return the original job; the same key with a different body is 409. Scoped to the API key and route. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
                /** @description `wait=N` (RFC 7240): answer 200 with the finished job if it ends within N seconds (capped by the server), else 202 as usual. */
                Prefer?: components["parameters"]["Prefer"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["VerifyCredentialRequest"];
            };
        };
        responses: {
            /** @description Finished in the request: with `Prefer: wait=N`, the finished job; when the queue is unavailable, the sync-fallback result. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    "Preference-Applied": components["headers"]["PreferenceApplied"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobFinished"] | components["schemas"]["JobSyncResult"];
                };
            };
            /** @description Queued; poll `/api/jobs/{jobId}` (also in `Location`). */
            202: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description This `Idempotency-Key` was used before with a different body. */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getCredential: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The credential id: a UUID or its `urn:uuid:` public id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The credential. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CredentialView"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    revokeCredential: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The credential id: a UUID or its `urn:uuid:` public id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The revoked credential. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CredentialView"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    sendEmail: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the same key and body return the original job; the same key with a different body is 409. Scoped to the API key and route. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
                /** @description `wait=N` (RFC 7240): answer 200 with the finished job if it ends within N seconds (capped by the server), else 202 as usual. */
                Prefer?: components["parameters"]["Prefer"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SendEmailRequest"];
            };
        };
        responses: {
            /** @description Finished in the request: with `Prefer: wait=N`, the finished job; when the queue is unavailable, the sync-fallback result. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    "Preference-Applied": components["headers"]["PreferenceApplied"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobFinished"] | components["schemas"]["JobSyncResult"];
                };
            };
            /** @description Queued; poll `/api/jobs/{jobId}` (also in `Location`). */
            202: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description This `Idempotency-Key` was used before with a different body. */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    vcApiIssue: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the same key and body return the original job; the same key with a different body is 409. Scoped to the API key and route. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["VcApiIssueRequest"];
            };
        };
        responses: {
            /** @description The credential: an EnvelopedVerifiableCredential holding the JWT, or the credential with its Data Integrity proof. */
            201: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        verifiableCredential: {
                            "@context": string[];
                            /** @description `data:application/vc+jwt,<JWT>` for a VC-JOSE-COSE credential, `data:application/jwt,<VC-JWT>` for a VCDM 1.1 VC-JWT. */
                            id: string;
                            /** @constant */
                            type: "EnvelopedVerifiableCredential";
                        } | ({
                            proof: unknown;
                        } & {
                            [key: string]: unknown;
                        });
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    vcApiVerify: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retried POST safe: the same key and body return the original job; the same key with a different body is 409. Scoped to the API key and route. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["VcApiVerifyRequest"];
            };
        };
        responses: {
            /** @description The credential verifies. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        verified: boolean;
                        /** @description Why the credential does not verify (RFC 9457 problem details; VCDM 2.0 error types where one fits); empty when it does. */
                        problemDetails: {
                            type: string;
                            code?: number;
                            title: string;
                            detail: string;
                        }[];
                    };
                };
            };
            /** @description The request is malformed, or the credential does not verify: then `verified: false` and `problemDetails` say why. */
            400: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @description `urn:vcq:problem:<code>`, e.g. `urn:vcq:problem:validation_failed`. */
                        type: string;
                        /** @description The HTTP status phrase. */
                        title: string;
                        status: number;
                        /** @description What went wrong, for a human. */
                        detail: string;
                        /** @description The problem type’s short string (`Job not found`, `Validation failed`), as Internet ID clients read it. */
                        error: string;
                        /** @description One entry per invalid field (400). */
                        errors?: components["schemas"]["FieldError"][];
                        /**
                         * @description Present when the credential was read and does not verify.
                         * @constant
                         */
                        verified?: false;
                        /** @description Why the credential does not verify (RFC 9457 problem details; VCDM 2.0 error types where one fits); empty when it does. */
                        problemDetails?: {
                            type: string;
                            code?: number;
                            title: string;
                            detail: string;
                        }[];
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    getAllQueueStats: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One entry per queue. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: components["schemas"]["QueueStats"][];
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getQueueStats: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A queue name. */
                name: "verification" | "vc-issuance" | "vc-verification" | "did-operations" | "webhooks" | "emails" | "vc-events" | "maintenance";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The counts. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: components["schemas"]["QueueStats"];
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listQueueJobs: {
        parameters: {
            query?: {
                status?: "waiting" | "active" | "completed" | "failed" | "delayed";
                start?: number;
                end?: number;
            };
            header?: never;
            path: {
                /** @description A queue name. */
                name: "verification" | "vc-issuance" | "vc-verification" | "did-operations" | "webhooks" | "emails" | "vc-events" | "maintenance";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The jobs. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            status: string;
                            start: number;
                            end: number;
                            /** @description Completed and failed listings (from Postgres) only. */
                            total?: number;
                            jobs: ({
                                /** Format: uuid */
                                id: string;
                                /**
                                 * Format: uuid
                                 * @description The same as `id`.
                                 */
                                jobId: string;
                                /** @description The BullMQ queue, e.g. `verification`, `vc-issuance`, `did-operations`. */
                                queue: string;
                                /** @description The job name, e.g. `verify`, `proof`, `issue-credential`, `did-create`. */
                                type: string;
                                /** @description `queued` → `processing` → `completed` | `failed` (or `cancelled` by an admin). */
                                status: components["schemas"]["JobStatus"];
                                /**
                                 * @description The same in BullMQ’s state names (Internet ID’s `state`).
                                 * @enum {string}
                                 */
                                state: "waiting" | "active" | "completed" | "failed";
                                /**
                                 * @description `sync` when it ran inside the request because the queue was down.
                                 * @enum {string}
                                 */
                                mode: "async" | "sync";
                                progress: number;
                                /** @description Verification jobs: the SHA-256 of the uploaded file. */
                                contentHash: string | null;
                                /** @description Verification jobs: the manifest URI. */
                                manifestUri: string | null;
                                /** @description Verification jobs: the content registry read. */
                                registryAddress: string | null;
                                /** @description Null until the job completes; then the handler’s result: VerificationResult (verify), ProofResult (proof), IssueResult (issue-credential), CredentialVerifyResult (verify-credential), DidView (did-*), `{messageId, accepted, rejected, response, sentAt}` (emails/send), or for a batch’s parent (type `batch`) `{total, completed, failed, children: [{index, jobId, status, pollUrl, error, errorCode}]}`. */
                                result: unknown;
                                /** @description The last attempt’s error; set between retries, too. */
                                error: string | null;
                                errorCode: string | null;
                                attempt: number;
                                /** @description Attempts in all: the job type’s, or the `attempts` it was submitted with. */
                                maxAttempts: number;
                                retryCount: number;
                                /** @description A batch’s child: its parent job (type `batch`), whose result summarises the batch. */
                                parentId: string | null;
                                /** @description A batch’s child: its place in the batch, from 0. */
                                batchIndex: number | null;
                                /** @description BullMQ priority, lower first: critical 0, high 1, normal 5, low 10 (the job type’s, or the `priority` it was submitted with). */
                                priority: number;
                                /** @description Not started before this time (its `delay` or `runAt`); null: as soon as a worker is free. */
                                runAt: string | null;
                                /** @description The organization that owns the job (its submitting key’s). */
                                organizationId: string;
                                /** @description The `userId` the job was submitted for, if any. */
                                userId: string | null;
                                /** Format: date-time */
                                createdAt: string;
                                /** Format: date-time */
                                updatedAt: string;
                                startedAt: string | null;
                                completedAt: string | null;
                                /** @description The job’s state on the queue; null when the queue no longer holds it (it drops completed jobs at once, failed ones after a day; Postgres keeps the row). */
                                queueState: string | null;
                            } | {
                                id: string;
                                type: string;
                                /** @description The BullMQ state (`waiting`, `active`, `delayed`, `completed`, `failed`, ...). */
                                queueState: string;
                                progress: unknown;
                            })[];
                        };
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getQueueJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A queue name. */
                name: "verification" | "vc-issuance" | "vc-verification" | "did-operations" | "webhooks" | "emails" | "vc-events" | "maintenance";
                /** @description The job id (a UUID; the BullMQ id is the same). */
                jobId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            /** Format: uuid */
                            id: string;
                            /**
                             * Format: uuid
                             * @description The same as `id`.
                             */
                            jobId: string;
                            /** @description The BullMQ queue, e.g. `verification`, `vc-issuance`, `did-operations`. */
                            queue: string;
                            /** @description The job name, e.g. `verify`, `proof`, `issue-credential`, `did-create`. */
                            type: string;
                            /** @description `queued` → `processing` → `completed` | `failed` (or `cancelled` by an admin). */
                            status: components["schemas"]["JobStatus"];
                            /**
                             * @description The same in BullMQ’s state names (Internet ID’s `state`).
                             * @enum {string}
                             */
                            state: "waiting" | "active" | "completed" | "failed";
                            /**
                             * @description `sync` when it ran inside the request because the queue was down.
                             * @enum {string}
                             */
                            mode: "async" | "sync";
                            progress: number;
                            /** @description Verification jobs: the SHA-256 of the uploaded file. */
                            contentHash: string | null;
                            /** @description Verification jobs: the manifest URI. */
                            manifestUri: string | null;
                            /** @description Verification jobs: the content registry read. */
                            registryAddress: string | null;
                            /** @description Null until the job completes; then the handler’s result: VerificationResult (verify), ProofResult (proof), IssueResult (issue-credential), CredentialVerifyResult (verify-credential), DidView (did-*), `{messageId, accepted, rejected, response, sentAt}` (emails/send), or for a batch’s parent (type `batch`) `{total, completed, failed, children: [{index, jobId, status, pollUrl, error, errorCode}]}`. */
                            result: unknown;
                            /** @description The last attempt’s error; set between retries, too. */
                            error: string | null;
                            errorCode: string | null;
                            attempt: number;
                            /** @description Attempts in all: the job type’s, or the `attempts` it was submitted with. */
                            maxAttempts: number;
                            retryCount: number;
                            /** @description A batch’s child: its parent job (type `batch`), whose result summarises the batch. */
                            parentId: string | null;
                            /** @description A batch’s child: its place in the batch, from 0. */
                            batchIndex: number | null;
                            /** @description BullMQ priority, lower first: critical 0, high 1, normal 5, low 10 (the job type’s, or the `priority` it was submitted with). */
                            priority: number;
                            /** @description Not started before this time (its `delay` or `runAt`); null: as soon as a worker is free. */
                            runAt: string | null;
                            /** @description The organization that owns the job (its submitting key’s). */
                            organizationId: string;
                            /** @description The `userId` the job was submitted for, if any. */
                            userId: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            startedAt: string | null;
                            completedAt: string | null;
                            /** @description The job’s state on the queue; null when the queue no longer holds it (it drops completed jobs at once, failed ones after a day; Postgres keeps the row). */
                            queueState: string | null;
                        };
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    removeQueueJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A queue name. */
                name: "verification" | "vc-issuance" | "vc-verification" | "did-operations" | "webhooks" | "emails" | "vc-events" | "maintenance";
                /** @description The job id (a UUID; the BullMQ id is the same). */
                jobId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            /** Format: uuid */
                            id: string;
                            /** @description The row was open and is now `cancelled`; false for a job that had already ended, whose row keeps its outcome. */
                            cancelled: boolean;
                            /** @description The BullMQ job was removed (false for a running job, which finishes but is not retried). */
                            removed: boolean;
                            queueState: string | null;
                        };
                    };
                };
            };
            /** @description The job is running: its row is cancelled now and the attempt is not retried, but it is not torn from its worker. */
            202: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            /** Format: uuid */
                            id: string;
                            /** @description The row was open and is now `cancelled`; false for a job that had already ended, whose row keeps its outcome. */
                            cancelled: boolean;
                            /** @description The BullMQ job was removed (false for a running job, which finishes but is not retried). */
                            removed: boolean;
                            queueState: string | null;
                        };
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    retryQueueJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A queue name. */
                name: "verification" | "vc-issuance" | "vc-verification" | "did-operations" | "webhooks" | "emails" | "vc-events" | "maintenance";
                /** @description The job id (a UUID; the BullMQ id is the same). */
                jobId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The requeued job. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: components["schemas"]["JobView"];
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description The job is not failed or cancelled (or changed state meanwhile). */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    pauseQueue: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A queue name. */
                name: "verification" | "vc-issuance" | "vc-verification" | "did-operations" | "webhooks" | "emails" | "vc-events" | "maintenance";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Paused. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            name: string;
                            paused: boolean;
                        };
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    resumeQueue: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A queue name. */
                name: "verification" | "vc-issuance" | "vc-verification" | "did-operations" | "webhooks" | "emails" | "vc-events" | "maintenance";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Resumed. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            name: string;
                            paused: boolean;
                        };
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    cleanQueue: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A queue name. */
                name: "verification" | "vc-issuance" | "vc-verification" | "did-operations" | "webhooks" | "emails" | "vc-events" | "maintenance";
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CleanQueueRequest"];
            };
        };
        responses: {
            /** @description What was removed. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            name: string;
                            status: string;
                            removed: number;
                            /** @description Rows of jobs removed before they ran, now `cancelled`. */
                            cancelled: number;
                            ids: string[];
                        };
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listWorkers: {
        parameters: {
            query?: {
                /** @description Only the workers consuming this queue. */
                queue?: "verification" | "vc-issuance" | "vc-verification" | "did-operations" | "webhooks" | "emails" | "vc-events" | "maintenance";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The live workers, oldest first. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            /** @description WORKER_HEARTBEAT_MS: how often each worker reports. */
                            heartbeatMs: number;
                            /** @description WORKER_DEAD_AFTER_MS: a worker silent this long is dead and not listed. */
                            deadAfterMs: number;
                            workers: {
                                /** @description `<host>:<pid>:<start time in ms>`: a restarted process is a new worker. */
                                id: string;
                                host: string;
                                pid: number;
                                /** @description VCQ_VERSION of the process. */
                                version: string;
                                /** @description The queue backend it consumes. */
                                backend: ("redis" | "postgres") | string;
                                queues: {
                                    name: string;
                                    concurrency: number;
                                    active: number;
                                }[];
                                /** @description Jobs it may run at once, over all its queues. */
                                concurrency: number;
                                /** @description Jobs it was running at its last heartbeat. */
                                active: number;
                                /** Format: date-time */
                                startedAt: string;
                                /** Format: date-time */
                                lastHeartbeatAt: string;
                            }[];
                        };
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    getQueueLimits: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A queue name. */
                name: "verification" | "vc-issuance" | "vc-verification" | "did-operations" | "webhooks" | "emails" | "vc-events" | "maintenance";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The limits that apply. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            name: string;
                            /** @description Jobs at once per worker process. */
                            concurrency: number;
                            /** @description At most `max` job starts per `duration` ms, across every worker of the queue; null for none. */
                            limiter: {
                                max: number;
                                duration: number;
                            } | null;
                            /**
                             * @description `api`: set with PUT and kept in Postgres, winning over QUEUE_LIMITS until deleted.
                             * @enum {string}
                             */
                            source: "environment" | "api";
                            updatedAt: string | null;
                            /** @description QUEUE_LIMITS / QUEUE_CONCURRENCY: what applies again after DELETE. */
                            defaults: {
                                concurrency: number;
                                limiter: {
                                    max: number;
                                    duration: number;
                                } | null;
                            };
                        };
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    setQueueLimits: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A queue name. */
                name: "verification" | "vc-issuance" | "vc-verification" | "did-operations" | "webhooks" | "emails" | "vc-events" | "maintenance";
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SetQueueLimitsRequest"];
            };
        };
        responses: {
            /** @description The limits now. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            name: string;
                            /** @description Jobs at once per worker process. */
                            concurrency: number;
                            /** @description At most `max` job starts per `duration` ms, across every worker of the queue; null for none. */
                            limiter: {
                                max: number;
                                duration: number;
                            } | null;
                            /**
                             * @description `api`: set with PUT and kept in Postgres, winning over QUEUE_LIMITS until deleted.
                             * @enum {string}
                             */
                            source: "environment" | "api";
                            updatedAt: string | null;
                            /** @description QUEUE_LIMITS / QUEUE_CONCURRENCY: what applies again after DELETE. */
                            defaults: {
                                concurrency: number;
                                limiter: {
                                    max: number;
                                    duration: number;
                                } | null;
                            };
                        };
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    resetQueueLimits: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A queue name. */
                name: "verification" | "vc-issuance" | "vc-verification" | "did-operations" | "webhooks" | "emails" | "vc-events" | "maintenance";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The limits now (the environment’s). */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            name: string;
                            /** @description Jobs at once per worker process. */
                            concurrency: number;
                            /** @description At most `max` job starts per `duration` ms, across every worker of the queue; null for none. */
                            limiter: {
                                max: number;
                                duration: number;
                            } | null;
                            /**
                             * @description `api`: set with PUT and kept in Postgres, winning over QUEUE_LIMITS until deleted.
                             * @enum {string}
                             */
                            source: "environment" | "api";
                            updatedAt: string | null;
                            /** @description QUEUE_LIMITS / QUEUE_CONCURRENCY: what applies again after DELETE. */
                            defaults: {
                                concurrency: number;
                                limiter: {
                                    max: number;
                                    duration: number;
                                } | null;
                            };
                        };
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    listDeadLetters: {
        parameters: {
            query?: {
                /** @description The error code (`upstream_unavailable`, `invalid_job_data`, ...). */
                code?: string;
                /** @description The BullMQ job name (`verify`, `deliver`, ...). */
                jobName?: string;
                /** @description Failed at or after this time. */
                since?: string;
                /** @description Failed before this time. */
                until?: string;
                limit?: number;
                offset?: number;
            };
            header?: never;
            path: {
                /** @description A queue name. */
                name: "verification" | "vc-issuance" | "vc-verification" | "did-operations" | "webhooks" | "emails" | "vc-events" | "maintenance";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of dead letters. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            name: string;
                            /** @description Dead letters matching the filter. */
                            total: number;
                            limit: number;
                            offset: number;
                            /** @description Newest failure first; `errorCode` is what `code` filters on. */
                            jobs: components["schemas"]["JobView"][];
                        };
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    retryQueueJobs: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A queue name. */
                name: "verification" | "vc-issuance" | "vc-verification" | "did-operations" | "webhooks" | "emails" | "vc-events" | "maintenance";
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RetryQueueJobsRequest"];
            };
        };
        responses: {
            /** @description Retried in the request. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            queue: string;
                            /** @description Rows selected (at most `max`). */
                            matched: number;
                            retried: number;
                            /** @description Rows no longer retryable (retried meanwhile) or that could not be retried. */
                            skipped: number;
                            /** @description The first 100. */
                            retriedIds: string[];
                            /** @description The first 100. */
                            skippedIds: {
                                id: string;
                                reason: string;
                            }[];
                            /** @constant */
                            mode: "inline";
                        };
                    };
                };
            };
            /** @description Queued as a `redrive` job; poll `pollUrl` (also in `Location`). */
            202: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            /** @constant */
                            mode: "job";
                            queue: string;
                            matched: number;
                            /**
                             * Format: uuid
                             * @description The `redrive` job on the maintenance queue; its progress and report are on its row.
                             */
                            jobId: string;
                            pollUrl: string;
                        };
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listTasks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tasks. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            schedulingEnabled: boolean;
                            tasks: {
                                /**
                                 * @description A task name.
                                 * @enum {string}
                                 */
                                name: "vc-events" | "webhook-retry-sweep" | "cleanup" | "reconcile";
                                queue: string;
                                jobName: string;
                                description: string;
                                /** @description Its cron expression (5 fields, or 6 with seconds first), read in `timezone`. */
                                cron: string;
                                timezone: string;
                                /** @description Scheduled: ENABLE_TASK_SCHEDULING and the task’s own switch are on. */
                                enabled: boolean;
                                /** @description Whether the queue holds its schedule; null when the queue is unavailable. */
                                scheduled: boolean | null;
                                nextRunAt: string | null;
                                lastRun: {
                                    /** Format: uuid */
                                    id: string;
                                    task: string;
                                    /** @enum {string} */
                                    trigger: "schedule" | "manual";
                                    /**
                                     * Format: uuid
                                     * @description The run’s job: a task run is a job row (`GET /api/jobs/{id}`). A tick’s id is derived from the task and the tick, so one tick is one run.
                                     */
                                    jobId: string;
                                    /** @description The schedule tick it belongs to; null for a manual run. */
                                    scheduledFor: string | null;
                                    /** @description `<host>:<pid>` of the process that ran it; null while it waits. */
                                    runner: string | null;
                                    /** @enum {string} */
                                    status: "queued" | "running" | "completed" | "failed" | "cancelled";
                                    /** @description The task’s report (what it did); a failed VC-events run still reports how far it got. */
                                    result: unknown;
                                    error: {
                                        code: string;
                                        message: string;
                                    } | null;
                                    startedAt: string | null;
                                    finishedAt: string | null;
                                    durationMs: number | null;
                                } | null;
                            }[];
                        };
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    listTaskRuns: {
        parameters: {
            query?: {
                limit?: number;
                /** @description Only the runs of this job (the `jobId` a trigger answered). */
                jobId?: string;
            };
            header?: never;
            path: {
                /** @description A task name. */
                name: "vc-events" | "webhook-retry-sweep" | "cleanup" | "reconcile";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The runs. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            /**
                             * @description A task name.
                             * @enum {string}
                             */
                            task: "vc-events" | "webhook-retry-sweep" | "cleanup" | "reconcile";
                            runs: {
                                /** Format: uuid */
                                id: string;
                                task: string;
                                /** @enum {string} */
                                trigger: "schedule" | "manual";
                                /**
                                 * Format: uuid
                                 * @description The run’s job: a task run is a job row (`GET /api/jobs/{id}`). A tick’s id is derived from the task and the tick, so one tick is one run.
                                 */
                                jobId: string;
                                /** @description The schedule tick it belongs to; null for a manual run. */
                                scheduledFor: string | null;
                                /** @description `<host>:<pid>` of the process that ran it; null while it waits. */
                                runner: string | null;
                                /** @enum {string} */
                                status: "queued" | "running" | "completed" | "failed" | "cancelled";
                                /** @description The task’s report (what it did); a failed VC-events run still reports how far it got. */
                                result: unknown;
                                error: {
                                    code: string;
                                    message: string;
                                } | null;
                                startedAt: string | null;
                                finishedAt: string | null;
                                durationMs: number | null;
                            }[];
                        };
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    getTaskSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A task name. */
                name: "vc-events" | "webhook-retry-sweep" | "cleanup" | "reconcile";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The schedule. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            /** @description Cron expression: 5 fields, or 6 with seconds first. */
                            cron: string;
                            /** @description The IANA time zone the cron expression is read in. */
                            timezone: string;
                            /** @description Scheduled: the schedule’s switch, and ENABLE_TASK_SCHEDULING (which keeps every task off when false). */
                            enabled: boolean;
                            /**
                             * @description A task name.
                             * @enum {string}
                             */
                            name: "vc-events" | "webhook-retry-sweep" | "cleanup" | "reconcile";
                            /**
                             * @description `api`: set with PUT and kept in Postgres, winning over the environment’s until deleted.
                             * @enum {string}
                             */
                            source: "environment" | "api";
                            /** @description When it was set over the API; null for the environment’s. */
                            updatedAt: string | null;
                            /** @description The environment’s schedule (RECONCILE_CRON, TASK_TIMEZONE, ...): what applies again after DELETE. */
                            defaults: {
                                /** @description Cron expression: 5 fields, or 6 with seconds first. */
                                cron: string;
                                /** @description The IANA time zone the cron expression is read in. */
                                timezone: string;
                                enabled: boolean;
                            };
                            schedulingEnabled: boolean;
                            /** @description Whether the queue holds its schedule; null when the queue is unavailable. */
                            scheduled: boolean | null;
                            nextRunAt: string | null;
                        };
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    setTaskSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A task name. */
                name: "vc-events" | "webhook-retry-sweep" | "cleanup" | "reconcile";
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SetTaskScheduleRequest"];
            };
        };
        responses: {
            /** @description The schedule now. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            /** @description Cron expression: 5 fields, or 6 with seconds first. */
                            cron: string;
                            /** @description The IANA time zone the cron expression is read in. */
                            timezone: string;
                            /** @description Scheduled: the schedule’s switch, and ENABLE_TASK_SCHEDULING (which keeps every task off when false). */
                            enabled: boolean;
                            /**
                             * @description A task name.
                             * @enum {string}
                             */
                            name: "vc-events" | "webhook-retry-sweep" | "cleanup" | "reconcile";
                            /**
                             * @description `api`: set with PUT and kept in Postgres, winning over the environment’s until deleted.
                             * @enum {string}
                             */
                            source: "environment" | "api";
                            /** @description When it was set over the API; null for the environment’s. */
                            updatedAt: string | null;
                            /** @description The environment’s schedule (RECONCILE_CRON, TASK_TIMEZONE, ...): what applies again after DELETE. */
                            defaults: {
                                /** @description Cron expression: 5 fields, or 6 with seconds first. */
                                cron: string;
                                /** @description The IANA time zone the cron expression is read in. */
                                timezone: string;
                                enabled: boolean;
                            };
                            schedulingEnabled: boolean;
                            /** @description Whether the queue holds its schedule; null when the queue is unavailable. */
                            scheduled: boolean | null;
                            nextRunAt: string | null;
                        };
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    resetTaskSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A task name. */
                name: "vc-events" | "webhook-retry-sweep" | "cleanup" | "reconcile";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The schedule now (the environment’s). */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            /** @description Cron expression: 5 fields, or 6 with seconds first. */
                            cron: string;
                            /** @description The IANA time zone the cron expression is read in. */
                            timezone: string;
                            /** @description Scheduled: the schedule’s switch, and ENABLE_TASK_SCHEDULING (which keeps every task off when false). */
                            enabled: boolean;
                            /**
                             * @description A task name.
                             * @enum {string}
                             */
                            name: "vc-events" | "webhook-retry-sweep" | "cleanup" | "reconcile";
                            /**
                             * @description `api`: set with PUT and kept in Postgres, winning over the environment’s until deleted.
                             * @enum {string}
                             */
                            source: "environment" | "api";
                            /** @description When it was set over the API; null for the environment’s. */
                            updatedAt: string | null;
                            /** @description The environment’s schedule (RECONCILE_CRON, TASK_TIMEZONE, ...): what applies again after DELETE. */
                            defaults: {
                                /** @description Cron expression: 5 fields, or 6 with seconds first. */
                                cron: string;
                                /** @description The IANA time zone the cron expression is read in. */
                                timezone: string;
                                enabled: boolean;
                            };
                            schedulingEnabled: boolean;
                            /** @description Whether the queue holds its schedule; null when the queue is unavailable. */
                            scheduled: boolean | null;
                            nextRunAt: string | null;
                        };
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    runTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A task name. */
                name: "vc-events" | "webhook-retry-sweep" | "cleanup" | "reconcile";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The finished run (in the request, or waited for). */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    "Preference-Applied": components["headers"]["PreferenceApplied"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            /**
                             * @description A task name.
                             * @enum {string}
                             */
                            task: "vc-events" | "webhook-retry-sweep" | "cleanup" | "reconcile";
                            /**
                             * @description `async`: queued for a worker. `sync`: the queue was unavailable, so it ran in the request.
                             * @enum {string}
                             */
                            mode: "async" | "sync";
                            jobId: string | null;
                            /** @enum {string} */
                            status: "queued" | "running" | "completed" | "failed";
                            pollUrl: string | null;
                            /** @description The finished run: always in `sync` mode, and with `Prefer: wait=N` when it ended in time. */
                            run: {
                                /** Format: uuid */
                                id: string;
                                task: string;
                                /** @enum {string} */
                                trigger: "schedule" | "manual";
                                /**
                                 * Format: uuid
                                 * @description The run’s job: a task run is a job row (`GET /api/jobs/{id}`). A tick’s id is derived from the task and the tick, so one tick is one run.
                                 */
                                jobId: string;
                                /** @description The schedule tick it belongs to; null for a manual run. */
                                scheduledFor: string | null;
                                /** @description `<host>:<pid>` of the process that ran it; null while it waits. */
                                runner: string | null;
                                /** @enum {string} */
                                status: "queued" | "running" | "completed" | "failed" | "cancelled";
                                /** @description The task’s report (what it did); a failed VC-events run still reports how far it got. */
                                result: unknown;
                                error: {
                                    code: string;
                                    message: string;
                                } | null;
                                startedAt: string | null;
                                finishedAt: string | null;
                                durationMs: number | null;
                            } | null;
                        };
                    };
                };
            };
            /** @description Queued; poll `pollUrl` (also in `Location`). */
            202: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            /**
                             * @description A task name.
                             * @enum {string}
                             */
                            task: "vc-events" | "webhook-retry-sweep" | "cleanup" | "reconcile";
                            /**
                             * @description `async`: queued for a worker. `sync`: the queue was unavailable, so it ran in the request.
                             * @enum {string}
                             */
                            mode: "async" | "sync";
                            jobId: string | null;
                            /** @enum {string} */
                            status: "queued" | "running" | "completed" | "failed";
                            pollUrl: string | null;
                            /** @description The finished run: always in `sync` mode, and with `Prefer: wait=N` when it ended in time. */
                            run: {
                                /** Format: uuid */
                                id: string;
                                task: string;
                                /** @enum {string} */
                                trigger: "schedule" | "manual";
                                /**
                                 * Format: uuid
                                 * @description The run’s job: a task run is a job row (`GET /api/jobs/{id}`). A tick’s id is derived from the task and the tick, so one tick is one run.
                                 */
                                jobId: string;
                                /** @description The schedule tick it belongs to; null for a manual run. */
                                scheduledFor: string | null;
                                /** @description `<host>:<pid>` of the process that ran it; null while it waits. */
                                runner: string | null;
                                /** @enum {string} */
                                status: "queued" | "running" | "completed" | "failed" | "cancelled";
                                /** @description The task’s report (what it did); a failed VC-events run still reports how far it got. */
                                result: unknown;
                                error: {
                                    code: string;
                                    message: string;
                                } | null;
                                startedAt: string | null;
                                finishedAt: string | null;
                                durationMs: number | null;
                            } | null;
                        };
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description The task cannot run in this deployment (`vc-events` without ANALYTICS_API_URL). */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    retryAllWebhooks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The sweep’s run. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        /** @description One execution of a task. */
                        data: {
                            /** Format: uuid */
                            id: string;
                            task: string;
                            /** @enum {string} */
                            trigger: "schedule" | "manual";
                            /**
                             * Format: uuid
                             * @description The run’s job: a task run is a job row (`GET /api/jobs/{id}`). A tick’s id is derived from the task and the tick, so one tick is one run.
                             */
                            jobId: string;
                            /** @description The schedule tick it belongs to; null for a manual run. */
                            scheduledFor: string | null;
                            /** @description `<host>:<pid>` of the process that ran it; null while it waits. */
                            runner: string | null;
                            /** @enum {string} */
                            status: "queued" | "running" | "completed" | "failed" | "cancelled";
                            /** @description The task’s report (what it did); a failed VC-events run still reports how far it got. */
                            result: unknown;
                            error: {
                                code: string;
                                message: string;
                            } | null;
                            startedAt: string | null;
                            finishedAt: string | null;
                            durationMs: number | null;
                        };
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    getVcEventsState: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The state, its lag, outcome counts and the last run. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            name: string;
                            /** @description False until the first run, which sets `lastProcessedTo` to its start and processes nothing. */
                            initialised: boolean;
                            /** @description Everything before this has been processed. */
                            lastProcessedTo: string | null;
                            /** @description What a run now would process first. */
                            nextWindow: {
                                /** Format: date-time */
                                from: string;
                                /** Format: date-time */
                                to: string;
                            } | null;
                            /** @description How far `lastProcessedTo` is behind now − VC_EVENTS_LOOKBACK. */
                            lagMs: number | null;
                            lookbackMs: number;
                            maxWindowMs: number;
                            updatedAt: string | null;
                            /** @description Logged records per outcome. */
                            outcomes: {
                                success: number;
                                failed: number;
                                skipped: number;
                            };
                            /** @description ANALYTICS_API_URL is set. */
                            configured: boolean;
                            lastRun: {
                                /** Format: uuid */
                                id: string;
                                task: string;
                                /** @enum {string} */
                                trigger: "schedule" | "manual";
                                /**
                                 * Format: uuid
                                 * @description The run’s job: a task run is a job row (`GET /api/jobs/{id}`). A tick’s id is derived from the task and the tick, so one tick is one run.
                                 */
                                jobId: string;
                                /** @description The schedule tick it belongs to; null for a manual run. */
                                scheduledFor: string | null;
                                /** @description `<host>:<pid>` of the process that ran it; null while it waits. */
                                runner: string | null;
                                /** @enum {string} */
                                status: "queued" | "running" | "completed" | "failed" | "cancelled";
                                /** @description The task’s report (what it did); a failed VC-events run still reports how far it got. */
                                result: unknown;
                                error: {
                                    code: string;
                                    message: string;
                                } | null;
                                startedAt: string | null;
                                finishedAt: string | null;
                                durationMs: number | null;
                            } | null;
                        };
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    runVcEvents: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The finished run (in the request, or waited for). */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    "Preference-Applied": components["headers"]["PreferenceApplied"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            /**
                             * @description A task name.
                             * @enum {string}
                             */
                            task: "vc-events" | "webhook-retry-sweep" | "cleanup" | "reconcile";
                            /**
                             * @description `async`: queued for a worker. `sync`: the queue was unavailable, so it ran in the request.
                             * @enum {string}
                             */
                            mode: "async" | "sync";
                            jobId: string | null;
                            /** @enum {string} */
                            status: "queued" | "running" | "completed" | "failed";
                            pollUrl: string | null;
                            /** @description The finished run: always in `sync` mode, and with `Prefer: wait=N` when it ended in time. */
                            run: {
                                /** Format: uuid */
                                id: string;
                                task: string;
                                /** @enum {string} */
                                trigger: "schedule" | "manual";
                                /**
                                 * Format: uuid
                                 * @description The run’s job: a task run is a job row (`GET /api/jobs/{id}`). A tick’s id is derived from the task and the tick, so one tick is one run.
                                 */
                                jobId: string;
                                /** @description The schedule tick it belongs to; null for a manual run. */
                                scheduledFor: string | null;
                                /** @description `<host>:<pid>` of the process that ran it; null while it waits. */
                                runner: string | null;
                                /** @enum {string} */
                                status: "queued" | "running" | "completed" | "failed" | "cancelled";
                                /** @description The task’s report (what it did); a failed VC-events run still reports how far it got. */
                                result: unknown;
                                error: {
                                    code: string;
                                    message: string;
                                } | null;
                                startedAt: string | null;
                                finishedAt: string | null;
                                durationMs: number | null;
                            } | null;
                        };
                    };
                };
            };
            /** @description Queued; poll `pollUrl` (also in `Location`). */
            202: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            /**
                             * @description A task name.
                             * @enum {string}
                             */
                            task: "vc-events" | "webhook-retry-sweep" | "cleanup" | "reconcile";
                            /**
                             * @description `async`: queued for a worker. `sync`: the queue was unavailable, so it ran in the request.
                             * @enum {string}
                             */
                            mode: "async" | "sync";
                            jobId: string | null;
                            /** @enum {string} */
                            status: "queued" | "running" | "completed" | "failed";
                            pollUrl: string | null;
                            /** @description The finished run: always in `sync` mode, and with `Prefer: wait=N` when it ended in time. */
                            run: {
                                /** Format: uuid */
                                id: string;
                                task: string;
                                /** @enum {string} */
                                trigger: "schedule" | "manual";
                                /**
                                 * Format: uuid
                                 * @description The run’s job: a task run is a job row (`GET /api/jobs/{id}`). A tick’s id is derived from the task and the tick, so one tick is one run.
                                 */
                                jobId: string;
                                /** @description The schedule tick it belongs to; null for a manual run. */
                                scheduledFor: string | null;
                                /** @description `<host>:<pid>` of the process that ran it; null while it waits. */
                                runner: string | null;
                                /** @enum {string} */
                                status: "queued" | "running" | "completed" | "failed" | "cancelled";
                                /** @description The task’s report (what it did); a failed VC-events run still reports how far it got. */
                                result: unknown;
                                error: {
                                    code: string;
                                    message: string;
                                } | null;
                                startedAt: string | null;
                                finishedAt: string | null;
                                durationMs: number | null;
                            } | null;
                        };
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No analytics API is configured (ANALYTICS_API_URL). */
            409: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    resetVcEvents: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ResetVcEventsRequest"];
            };
        };
        responses: {
            /** @description The new state. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            name: string;
                            /** @description False until the first run, which sets `lastProcessedTo` to its start and processes nothing. */
                            initialised: boolean;
                            /** @description Everything before this has been processed. */
                            lastProcessedTo: string | null;
                            /** @description What a run now would process first. */
                            nextWindow: {
                                /** Format: date-time */
                                from: string;
                                /** Format: date-time */
                                to: string;
                            } | null;
                            /** @description How far `lastProcessedTo` is behind now − VC_EVENTS_LOOKBACK. */
                            lagMs: number | null;
                            lookbackMs: number;
                            maxWindowMs: number;
                            updatedAt: string | null;
                            /** @description Logged records per outcome. */
                            outcomes: {
                                success: number;
                                failed: number;
                                skipped: number;
                            };
                        };
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    processVcEvent: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ProcessVcEventRequest"];
            };
        };
        responses: {
            /** @description What processing came to. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        success: true;
                        data: {
                            /** @description The record id (derived from the event when it sent none). */
                            recordId: string;
                            vcPublicId: string;
                            type: string;
                            mappedStatus: ("issued" | "revoked") | null;
                            /**
                             * @description `duplicate`: this record was already processed successfully, so nothing was done.
                             * @enum {string}
                             */
                            outcome: "success" | "skipped" | "duplicate";
                            /** @description Why it was skipped. */
                            error: string | null;
                            credentialId: string | null;
                        };
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    getQueueDashboard: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The dashboard. */
            200: {
                headers: {
                    "x-request-id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
}
