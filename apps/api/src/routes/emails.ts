/**
 * `POST /api/emails`: queue an email (queue `emails`, job `send`). The template and the
 * attachments' size are checked here, so a mistake is the caller's 400 now rather
 * than a job that fails later.
 */
import { AppError } from '@vcq/errors';
import { EmailInputSchema, type EmailSender, SMTP_NOT_CONFIGURED } from '@vcq/emails';
import { idempotentJobId } from '../idempotency.js';
import { RouteGroup } from '../routing.js';
import { type Responder, sendSubmission } from '../submission.js';
import { ownerFor, OwnerFieldsSchema } from '../tenancy.js';

export interface EmailRouteDeps extends Responder {
  emails: Pick<EmailSender, 'check' | 'configured'>;
}

/** `POST /api/emails` body. */
export const EmailRequestSchema = EmailInputSchema.extend(OwnerFieldsSchema.shape).describe(
  'A templated email: `template` names a folder of EMAIL_TEMPLATES_DIR (subject.hbs, html.hbs, text.hbs) rendered with `context`; `subject` overrides the template’s. Attachments are base64, at most EMAIL_MAX_ATTACHMENT_BYTES in all.',
);

export const emailRoutes = new RouteGroup<EmailRouteDeps>().post(
  {
    path: '/api/emails',
    operationId: 'sendEmail',
    summary: 'Queue a templated email',
    description:
      'Sent over SMTP_URL by the worker. A 4xx answer from the SMTP server retries with backoff; a 5xx fails the job at once. The job’s result is `{messageId, accepted, rejected, response, sentAt}`; its Message-ID is `<job id@PUBLIC_BASE_URL host>`, and a retried job never sends twice. 409 when SMTP_URL is unset.',
    tag: 'Emails',
    auth: 'submit',
    body: { json: EmailRequestSchema, required: true },
    createsJob: { pollPath: '/api/jobs/{jobId}' },
    responses: {},
    problems: [409],
  },
  async ({ body, req, res, deps }) => {
    if (!deps.emails.configured) throw new AppError('not_configured', 409, SMTP_NOT_CONFIGURED);
    deps.emails.check(body);
    const owner = ownerFor(req, body);
    const id = idempotentJobId(req);
    const submission = await deps.platform.submit('email-send', body, { owner, ...(id ? { id } : {}) });
    await sendSubmission(req, res, deps, submission, { pollUrl: `/api/jobs/${submission.job.id}`, message: 'Email queued' });
  },
);
