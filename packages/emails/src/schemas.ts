/**
 * The `emails/send` job's input, as the job-queues document defines it:
 * `{to, subject, template, context, attachments?}` (the catalog adds the owner fields).
 * Attachments travel base64-encoded in the job data, so their total size is capped
 * (EMAIL_MAX_ATTACHMENT_BYTES): no large payloads in Redis.
 */
import { z } from 'zod';

/** An address as SMTP takes it; display names are not accepted here (the templates own the wording). */
const address = z.email({ message: 'must be an email address' }).max(320);

/** A template's name: a folder under the templates directory. */
export const TEMPLATE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const EmailAttachmentSchema = z.object({
  filename: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[^/\\\r\n]+$/, { message: 'must be a file name without slashes or line breaks' }),
  /** The bytes, base64-encoded. */
  content: z.base64({ message: 'must be base64' }),
  contentType: z
    .string()
    .regex(/^[\w.+-]+\/[\w.+-]+$/, { message: 'must be a media type such as application/pdf' })
    .optional(),
});

export const EmailInputSchema = z.object({
  to: z.union([address, z.array(address).min(1, { message: 'must name at least one recipient' }).max(50, { message: 'must name at most 50 recipients' })]),
  /** Overrides the template's own subject line when given. */
  subject: z
    .string()
    .min(1)
    .max(998)
    .regex(/^[^\r\n]*$/, { message: 'must be one line' })
    .optional(),
  template: z.string().regex(TEMPLATE_NAME, { message: 'must be a template name (lower-case letters, digits, "-" or "_")' }),
  /** The values the template renders. */
  context: z.record(z.string(), z.unknown()).default({}),
  attachments: z.array(EmailAttachmentSchema).max(20, { message: 'must hold at most 20 attachments' }).optional(),
});

export type EmailInput = z.infer<typeof EmailInputSchema>;
export type EmailAttachment = z.infer<typeof EmailAttachmentSchema>;

/** What a send returns; stored as the job's result. */
export interface EmailSendResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
  /** The SMTP server's answer to the message. */
  response: string;
  sentAt: string;
}
