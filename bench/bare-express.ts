/**
 * The baselines of `api_ratio` (a bare Express 5 JSON endpoint doing nothing) and of
 * `upload_ratio` (`/hash` drains an upload and hashes every byte of it with SHA-256,
 * as vcq does, without parsing the form; `/drain` only reads and drops it), in their
 * own process. Prints `{"port": N}` once listening.
 */
import { createHash } from 'node:crypto';
import express from 'express';

const app = express();
app.use(express.json({ limit: '1mb' }));
app.post('/json', (_req, res) => {
  res.status(202).json({ ok: true });
});
app.post('/drain', (req, res) => {
  req.resume();
  req.on('end', () => res.status(202).json({ ok: true }));
});
app.post('/hash', (req, res) => {
  const hash = createHash('sha256');
  req.on('data', (chunk: Buffer) => hash.update(chunk));
  req.on('end', () => res.status(202).json({ sha256: hash.digest('hex') }));
});
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
