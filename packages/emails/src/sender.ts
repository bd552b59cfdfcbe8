/**
 * Sending an `emails/send` job over SMTP (nodemailer, SMTP_URL).
 *
 * - The Message-ID is derived from the job id, and each sent message is recorded in
 *   `email_messages` under its job id: a retry of a job whose send went through (its
 *   row write failed, the worker died before acknowledging) returns the recorded
 *   result instead of sending again. Only a crash between the server's `250` and the
 *   record's insert can send twice, and then with the same Message-ID, which
 *   receivers use to drop duplicates.
 * - SMTP answers decide retries: a 4xx (mailbox busy, greylisting, server shutting
 *   down) and a failed connection are transient (`UpstreamError`, retried with
 *   backoff); a 5xx (no such user, message refused) is permanent
 *   (`PermanentJobError`, failed at once).
 */
import nodemailer from 'nodemailer';
import type { Db } from '@vcq/db';
import { PermanentJobError, UpstreamError, ValidationError } from '@vcq/errors';
import type { EmailInput, EmailSendResult } from './schemas.js';
import type { RenderedEmail, TemplateSet } from './templates.js';

export interface EmailSenderOptions {
  db: Db;
  /** SMTP_URL: `smtp://user:pass@host:587`, `smtps://host:465`; null when emails are not configured. */
  smtpUrl: string | null;
  /** EMAIL_FROM: the From header of every message. */
  from: string;
  templates: TemplateSet;
  /** EMAIL_MAX_ATTACHMENT_BYTES: the most bytes all attachments of one email may hold, decoded. */
  maxAttachmentBytes: number;
  /** EMAIL_SMTP_TIMEOUT_MS: connecting, the greeting and each answer. */
  timeoutMs: number;
  /** The right-hand side of Message-IDs (`<job id>@<domain>`). */
  messageIdDomain: string;
}

export interface EmailSender {
  /** Whether SMTP_URL is set. */
  readonly configured: boolean;
  /** The submit-time check (a 400 naming the field): the template exists, the attachments fit. */
  check(input: Pick<EmailInput, 'template' | 'attachments'>): void;
  /** Sends the job's email once; a re-run of a job that sent returns what the first run recorded. */
  send(input: EmailInput, job: { jobId: string; organizationId: string }): Promise<EmailSendResult>;
  close(): void;
}

/** Why an email job cannot run without an SMTP server. */
export const SMTP_NOT_CONFIGURED = 'emails need an SMTP server: set SMTP_URL';

/** The Message-ID of the job's email (RFC 5322 msg-id). */
export function messageIdFor(jobId: string, domain: string): string {
  return `<${jobId}@${domain}>`;
}

/** An SMTP failure as a job error: 5xx permanent, anything else retried. */
export function smtpError(error: unknown): Error {
  const e = error as { responseCode?: number; response?: string; code?: string; message?: string };
  const answer = e.response ?? e.message ?? String(error);
  if (typeof e.responseCode === 'number' && e.responseCode >= 500) {
    return new PermanentJobError(`the SMTP server refused the email: ${answer}`, { code: 'smtp_rejected', cause: error });
  }
  if (typeof e.responseCode === 'number') return new UpstreamError(`the SMTP server deferred the email: ${answer}`, { cause: error });
  return new UpstreamError(`could not reach the SMTP server${e.code ? ` (${e.code})` : ''}: ${answer}`, { cause: error });
}

/** Creates the sender; one SMTP transport per process. */
export function createEmailSender(options: EmailSenderOptions): EmailSender {
  const transport = options.smtpUrl
    ? nodemailer.createTransport({
        url: options.smtpUrl,
        connectionTimeout: options.timeoutMs,
        greetingTimeout: options.timeoutMs,
        socketTimeout: options.timeoutMs,
      })
    : null;

  const check: EmailSender['check'] = (input) => {
    if (!options.templates.has(input.template)) {
      const known = options.templates.names.join(', ') || 'none';
      throw new ValidationError(`no email template ${input.template}`, [{ field: 'template', message: `must be one of the templates (${known})` }]);
    }
    const bytes = (input.attachments ?? []).reduce((sum, a) => sum + Buffer.byteLength(a.content, 'base64'), 0);
    if (bytes > options.maxAttachmentBytes) {
      throw new ValidationError(`the attachments hold ${bytes} bytes, more than the ${options.maxAttachmentBytes} allowed`, [
        { field: 'attachments', message: `must hold at most ${options.maxAttachmentBytes} bytes in all (EMAIL_MAX_ATTACHMENT_BYTES)` },
      ]);
    }
  };

  const render = (input: EmailInput): RenderedEmail => {
    const rendered = options.templates.render(input.template, input.context);
    // check() ran at submit; a template removed since is as permanent as a missing one.
    if (!rendered) throw new PermanentJobError(`no email template ${input.template}`, { code: 'unknown_template' });
    return rendered;
  };

  return {
    configured: transport !== null,
    check,
    async send(input, job) {
      const sent = await options.db.emailMessage.findUnique({ where: { jobId: job.jobId } });
      if (sent) return view(sent);
      if (!transport) throw new PermanentJobError(SMTP_NOT_CONFIGURED, { code: 'not_configured' });
      try {
        check(input);
      } catch (error) {
        throw new PermanentJobError((error as Error).message, { code: 'validation_failed', cause: error });
      }
      const { subject, html, text } = render(input);
      const messageId = messageIdFor(job.jobId, options.messageIdDomain);
      const info = await transport
        .sendMail({
          from: options.from,
          to: input.to,
          subject: input.subject ?? subject,
          html,
          text,
          messageId,
          headers: { 'X-Vcq-Job-Id': job.jobId },
          attachments: (input.attachments ?? []).map((a) => ({
            filename: a.filename,
            content: Buffer.from(a.content, 'base64'),
            ...(a.contentType ? { contentType: a.contentType } : {}),
          })),
        })
        .catch((error: unknown) => {
          throw smtpError(error);
        });
      const row = await options.db.emailMessage.upsert({
        where: { jobId: job.jobId },
        create: {
          jobId: job.jobId,
          messageId,
          organizationId: job.organizationId,
          accepted: info.accepted.map(String),
          rejected: info.rejected.map(String),
          response: info.response,
        },
        update: {},
      });
      return view(row);
    },
    close: () => transport?.close(),
  };
}

function view(row: { messageId: string; accepted: string[]; rejected: string[]; response: string; sentAt: Date }): EmailSendResult {
  return { messageId: row.messageId, accepted: row.accepted, rejected: row.rejected, response: row.response, sentAt: row.sentAt.toISOString() };
}
