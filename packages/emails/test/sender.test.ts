/**
 * The email sender against a real SMTP server on loopback (smtp-server, with
 * mailparser reading what arrives) and a real Postgres for the sent-message records.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, type Db } from '@vcq/db';
import { PermanentJobError, UpstreamError, ValidationError } from '@vcq/errors';
import { createTestDatabase, freePort, type SmtpSink, startSmtpSink } from '@vcq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailSender, type EmailInput, type EmailSender, EmailInputSchema, loadTemplates, messageIdFor } from '../src/index.js';

let drop: () => Promise<void>;
let db: Db;
let smtp: SmtpSink;
let sender: EmailSender;

const templates = loadTemplates();
const options = (smtpUrl: string | null) => ({
  db,
  smtpUrl,
  from: 'vcq <no-reply@vcq.test>',
  templates,
  maxAttachmentBytes: 1024,
  timeoutMs: 5000,
  messageIdDomain: 'vcq.test',
});

beforeAll(async () => {
  const database = await createTestDatabase('vcq_emails');
  drop = database.drop;
  db = createDb(database.url, { poolSize: 4 });
  smtp = await startSmtpSink();
  sender = createEmailSender(options(smtp.url));
});

afterAll(async () => {
  sender?.close();
  await smtp?.close();
  await db?.$disconnect();
  await drop?.();
});

const welcome = (overrides: Partial<EmailInput> = {}): EmailInput =>
  EmailInputSchema.parse({ to: 'ada@example.test', template: 'welcome', context: { name: 'Ada <3', organization: 'Acme', url: 'https://acme.test/login' }, ...overrides });

describe('createEmailSender', () => {
  it('when a templated email with an attachment is sent, then both bodies, the headers and the attachment arrive', async () => {
    const jobId = randomUUID();
    const pdf = Buffer.from('%PDF-1.4 tiny');
    const result = await sender.send(welcome({ attachments: [{ filename: 'terms.pdf', content: pdf.toString('base64'), contentType: 'application/pdf' }] }), {
      jobId,
      organizationId: 'acme',
    });

    expect(result).toMatchObject({ messageId: `<${jobId}@vcq.test>`, accepted: ['ada@example.test'], rejected: [] });
    expect(result.response).toMatch(/^250/);
    const mail = smtp.messages.find((m) => m.messageId === `<${jobId}@vcq.test>`);
    expect(mail).toBeDefined();
    expect(mail?.subject).toBe('Welcome to Acme, Ada <3');
    expect(mail?.from?.value).toEqual([{ name: 'vcq', address: 'no-reply@vcq.test' }]);
    expect(mail?.headers.get('x-vcq-job-id')).toBe(jobId);
    // The HTML body escapes the context; the text body does not.
    expect(mail?.html).toContain('Hello Ada &lt;3,');
    expect(mail?.html).toContain('<a href="https://acme.test/login">');
    expect(mail?.text).toContain('Hello Ada <3,');
    expect(mail?.text).toContain('Sign in: https://acme.test/login');
    expect(mail?.attachments).toHaveLength(1);
    expect(mail?.attachments[0]).toMatchObject({ filename: 'terms.pdf', contentType: 'application/pdf' });
    expect(Buffer.compare(mail?.attachments[0]?.content as Buffer, pdf)).toBe(0);
    const row = await db.emailMessage.findUnique({ where: { jobId } });
    expect(row).toMatchObject({ messageId: `<${jobId}@vcq.test>`, organizationId: 'acme', accepted: ['ada@example.test'] });
  });

  it('when the job runs again after its send went through, then nothing is sent twice and the first result comes back', async () => {
    const jobId = randomUUID();
    const first = await sender.send(welcome({ subject: 'Given subject' }), { jobId, organizationId: 'acme' });
    const before = smtp.attempts;
    const again = await sender.send(welcome({ subject: 'Given subject' }), { jobId, organizationId: 'acme' });

    expect(again).toEqual(first);
    expect(smtp.attempts).toBe(before);
    expect(smtp.messages.filter((m) => m.messageId === messageIdFor(jobId, 'vcq.test'))).toHaveLength(1);
    expect(smtp.messages.find((m) => m.messageId === messageIdFor(jobId, 'vcq.test'))?.subject).toBe('Given subject');
  });

  it('when the server answers 4xx, then the error is transient (retried) and nothing is recorded', async () => {
    const jobId = randomUUID();
    smtp.answerNext(451, 'Try again later');
    const error = await sender.send(welcome(), { jobId, organizationId: 'acme' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).not.toBeInstanceOf(PermanentJobError);
    expect((error as Error).message).toMatch(/451/);
    expect(await db.emailMessage.findUnique({ where: { jobId } })).toBeNull();
    // The retry goes through.
    const retried = await sender.send(welcome(), { jobId, organizationId: 'acme' });
    expect(retried.accepted).toEqual(['ada@example.test']);
  });

  it('when the server answers 5xx, then the error is permanent', async () => {
    smtp.answerNext(554, 'Message refused');
    const error = await sender.send(welcome(), { jobId: randomUUID(), organizationId: 'acme' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentJobError);
    expect((error as PermanentJobError).code).toBe('smtp_rejected');
    expect((error as Error).message).toMatch(/554/);
  });

  it('when nothing listens at SMTP_URL, then the error is transient', async () => {
    const closed = createEmailSender(options(`smtp://127.0.0.1:${await freePort()}`));
    const error = await closed.send(welcome(), { jobId: randomUUID(), organizationId: 'acme' }).catch((e: unknown) => e);
    closed.close();

    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toMatch(/ECONNREFUSED|could not reach/);
  });

  it('when SMTP_URL is unset, then sending fails permanently', async () => {
    const none = createEmailSender(options(null));
    expect(none.configured).toBe(false);
    await expect(none.send(welcome(), { jobId: randomUUID(), organizationId: 'acme' })).rejects.toBeInstanceOf(PermanentJobError);
  });

  it('when the template is unknown or the attachments exceed the cap, then check() names the field', () => {
    const field = (fn: () => void) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).errors?.[0]?.field;
      }
      return undefined;
    };
    expect(field(() => sender.check({ template: 'nope' }))).toBe('template');
    expect(field(() => sender.check({ template: 'welcome', attachments: [{ filename: 'a.bin', content: Buffer.alloc(1025).toString('base64') }] }))).toBe('attachments');
    expect(field(() => sender.check({ template: 'welcome', attachments: [{ filename: 'a.bin', content: Buffer.alloc(1024).toString('base64') }] }))).toBeUndefined();
  });
});

describe('loadTemplates', () => {
  it('when a template folder lacks a part, then loading names the template and the part', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vcq-templates-'));
    mkdirSync(join(dir, 'broken'));
    writeFileSync(join(dir, 'broken', 'subject.hbs'), 'Hi');
    writeFileSync(join(dir, 'broken', 'html.hbs'), '<p>Hi</p>');
    expect(() => loadTemplates(dir)).toThrow(/broken has no text\.hbs/);
  });

  it('when the bundled templates load, then each renders its subject from the context', () => {
    expect(templates.names).toEqual(['job-finished', 'welcome']);
    expect(templates.render('job-finished', { jobId: 'j1', status: 'failed', kind: 'verify', error: 'boom' })).toMatchObject({
      subject: 'Job j1 failed',
      text: expect.stringContaining('Error: boom'),
    });
  });
});
