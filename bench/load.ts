/**
 * The load generator of `api_ratio`, in its own process so it does not share an
 * event loop with what it measures: autocannon POSTing one JSON body. Prints one
 * JSON line with the rate of 2xx answers and the latency percentiles.
 *
 * Usage: node --import tsx bench/load.ts '<json options>'
 *   {url, connections, durationSeconds, body, headers}
 */
import autocannon from 'autocannon';

interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  body: unknown;
  headers: Record<string, string>;
}

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const result = await autocannon({
  url: options.url,
  method: 'POST',
  connections: options.connections,
  duration: options.durationSeconds,
  headers: { 'content-type': 'application/json', ...options.headers },
  body: JSON.stringify(options.body),
});
const ok = result['2xx'];
process.stdout.write(
  `${JSON.stringify({
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    rate: ok / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
  })}\n`,
);
