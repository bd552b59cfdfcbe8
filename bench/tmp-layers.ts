import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { API_KEY, importIssuer, issueBody, startDeployment } from './lib.js';
const ticks = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const d = await startDeployment({ prefix: 'vcq_layers' });
const api = await d.spawn('api');
const issuer = await importIssuer(d.apiUrl);
let pid = api.child.pid!;
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
const bare = spawn(process.execPath, ['--import', 'tsx', 'bench/bare-express.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((r) => createInterface({ input: bare.stdout! }).once('line', (l) => r(JSON.parse(l).port)));

const run = async (label: string, opts: Record<string, unknown>) => {
  const c0 = ticks(pid); const r = await autocannon({ connections: 50, duration: 6, ...opts } as never); const c1 = ticks(pid);
  const n = r.requests.total; console.log(label.padEnd(28), 'req/s', Math.round(n / 6), 'api CPU us/req', Math.round(((c1 - c0) * 1000) / n), 'p99', r.latency.p99, 'codes', JSON.stringify({ '2xx': r['2xx'], non2xx: r.non2xx }));
};
const h = { 'content-type': 'application/json', 'x-api-key': API_KEY };
for (let i = 0; i < 2; i++) {
  pid = bare.pid!;
  await run('bare POST /json', { url: `http://127.0.0.1:${port}/json`, method: 'POST', headers: h, body: JSON.stringify(issueBody(issuer, 1)) });
  pid = api.child.pid!;
  await run('GET /healthz', { url: `${d.apiUrl}/healthz` });
  await run('POST /healthz (404)', { url: `${d.apiUrl}/nothing`, method: 'POST', headers: h, body: '{}' });
  await run('POST issue no key (401)', { url: `${d.apiUrl}/api/credentials/issue`, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  await run('POST issue bad body (400)', { url: `${d.apiUrl}/api/credentials/issue`, method: 'POST', headers: h, body: '{"issuerDid":1}' });
  await run('POST issue (202)', { url: `${d.apiUrl}/api/credentials/issue`, method: 'POST', headers: h, body: JSON.stringify(issueBody(issuer, 1)) });
}
bare.kill();
await d.close();
process.exit(0);
