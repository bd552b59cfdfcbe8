/**
 * A multipart/form-data upload streamed from a file, with progress in bytes of the
 * file sent. Written by hand on node:http so that the body is never held in memory
 * and its length is known up front (fetch with a stream body sends it chunked and
 * says nothing about how much has left).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename } from 'node:path';

export interface UploadOptions {
  /** The file to send as the form's `file` field. */
  filePath: string;
  /** The other form fields (empty values are left out). */
  fields?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  /** Called as the file's bytes go out: `sent` of `total`. */
  onProgress?: (sent: number, total: number) => void;
}

export interface UploadAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON answer (a problem document when not 2xx), or null without a body. */
  body: unknown;
}

const quote = (value: string) => value.replace(/["\\\r\n]/g, (c) => encodeURIComponent(c));

export async function uploadFile(url: URL, options: UploadOptions): Promise<UploadAnswer> {
  const { size } = await stat(options.filePath);
  const boundary = `vcq-${randomBytes(12).toString('hex')}`;
  let head = '';
  for (const [name, value] of Object.entries(options.fields ?? {})) {
    if (value === undefined || value === '') continue;
    head += `--${boundary}\r\ncontent-disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`;
  }
  head += `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${quote(basename(options.filePath))}"\r\ncontent-type: application/octet-stream\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const length = Buffer.byteLength(head) + size + Buffer.byteLength(tail);

  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<UploadAnswer>((resolve, reject) => {
    const req = send(url, {
      method: 'POST',
      headers: { ...options.headers, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(length), accept: 'application/json' },
    });
    let answered = false;
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.on('response', (res: IncomingMessage) => {
      answered = true;
      // The server may answer before the body is through (401, 413): stop sending.
      file.destroy();
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = null;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          body = { title: text.slice(0, 200) };
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    const file = createReadStream(options.filePath);
    let sent = 0;
    options.onProgress?.(0, size);
    req.write(head);
    file.on('data', (chunk) => {
      sent += chunk.length;
      if (!req.write(chunk)) file.pause();
      options.onProgress?.(sent, size);
    });
    req.on('drain', () => file.resume());
    file.on('error', (error) => {
      req.destroy(error);
      reject(error);
    });
    file.on('end', () => req.end(tail));
  });
}
