/** The `vcq` process: runs the command line and exits with its code once output is written. */
import { main } from './main.js';

// `pnpm vcq …` runs in the checkout's root; file arguments are meant from where it was typed.
if (process.env.npm_lifecycle_event === 'vcq' && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

process.exitCode = await main(process.argv, { stdout: process.stdout, stderr: process.stderr, env: process.env });
