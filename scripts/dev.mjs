// `pnpm dev`'s API and worker, with reload on change. concurrently pipes their output,
// so they cannot see the terminal themselves: LOG_FORMAT is decided here, from this
// process's stdout (pretty on a terminal, JSON otherwise), unless it is set already.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
// concurrently's exports do not list its bin; its package.json is listed.
const bin = join(dirname(require.resolve('concurrently/package.json')), 'dist/bin/concurrently.js');
const env = { ...process.env, LOG_FORMAT: process.env.LOG_FORMAT || (process.stdout.isTTY ? 'pretty' : 'json') };
const child = spawn(
  process.execPath,
  [bin, '-n', 'api,worker', '-c', 'blue,magenta', 'tsx watch apps/api/src/main.ts', 'tsx watch apps/worker/src/main.ts'],
  { stdio: 'inherit', env },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
