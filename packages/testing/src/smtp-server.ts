/**
 * A real SMTP server on loopback (the `smtp-server` package) that parses every message
 * it accepts with `mailparser`, so tests check what arrived: headers, both bodies,
 * attachments. `answerNext(code, text)` makes the next message's DATA end with that
 * answer instead of 250 (451 to defer it, 550 to refuse it for good).
 */
import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>`. */
  url: string;
  /** Every message accepted, parsed, in order. */
  messages: ParsedMail[];
  /** How many messages reached the end of DATA, accepted or not. */
  readonly attempts: number;
  /** The next `count` messages are answered `code text` at the end of DATA. */
  answerNext(code: number, text: string, count?: number): void;
  /** Resolves with the `n`th accepted message (1-based), once it has arrived. */
  message(n: number): Promise<ParsedMail>;
  /** Resolves once `n` messages have reached the end of DATA. */
  attempted(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ParsedMail[] = [];
  const answers: { code: number; text: string }[] = [];
  const events = new EventEmitter();
  let attempts = 0;
  const server = new SMTPServer({
    // Plain SMTP on loopback: no STARTTLS offer, no authentication.
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          attempts += 1;
          const answer = answers.shift();
          if (answer) {
            const error = Object.assign(new Error(answer.text), { responseCode: answer.code });
            callback(error);
          } else {
            messages.push(parsed);
            callback(null);
          }
          events.emit('attempt');
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  const until = async (done: () => boolean) => {
    while (!done()) await once(events, 'attempt');
  };
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    get attempts() {
      return attempts;
    },
    answerNext(code, text, count = 1) {
      for (let i = 0; i < count; i++) answers.push({ code, text });
    },
    async message(n) {
      await until(() => messages.length >= n);
      return messages[n - 1] as ParsedMail;
    },
    attempted: (n) => until(() => attempts >= n),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
