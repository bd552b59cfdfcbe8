export { EmailAttachmentSchema, EmailInputSchema, TEMPLATE_NAME, type EmailAttachment, type EmailInput, type EmailSendResult } from './schemas.js';
export { BUNDLED_TEMPLATES_DIR, loadTemplates, type RenderedEmail, type TemplateSet } from './templates.js';
export { createEmailSender, messageIdFor, SMTP_NOT_CONFIGURED, smtpError, type EmailSender, type EmailSenderOptions } from './sender.js';
