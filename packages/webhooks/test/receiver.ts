/** A webhook receiver on loopback for the delivery tests: scripted answers, every request kept. */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { listenOnLoopback } from '@vcq/testing';
import { type VerifySignatureOptions, verifyWebhookSignature } from '../src/index.js';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What verifyWebhookSignature said about this request, checked as it arrived. */
  signatureOk: boolean;
}

/** How the receiver answers one request: a status, or `hang` to never answer. */
export type Answer = number | { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Answers for the coming requests, in order; once used up, 200. */
  answer(...answers: Answer[]): void;
  close(): Promise<void>;
}

/** `verify` is passed to verifyWebhookSignature, e.g. `now` to match a sender's fixed clock. */
export async function startReceiver(secret: string, verify: Pick<VerifySignatureOptions, 'now' | 'toleranceSeconds'> = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const script: Answer[] = [];
  const server = await listenOnLoopback((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: raw.toString('utf8'),
        signatureOk: verifyWebhookSignature(req.headers['x-vcq-signature'] as string | undefined, raw, secret, {
          ...verify,
          deliveryId: req.headers['x-vcq-delivery'],
        }),
      });
      reply(res, script.shift() ?? 200);
    });
  });
  return {
    url: server.url,
    requests,
    answer: (...answers) => script.push(...answers),
    close: () => server.close(),
  };
}

function reply(res: ServerResponse, answer: Answer): void {
  if (answer === 'hang') return;
  const { status, headers = {}, body = `answered ${typeof answer === 'number' ? answer : answer.status}` } =
    typeof answer === 'number' ? { status: answer } : answer;
  res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(body);
}
