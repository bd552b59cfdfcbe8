/** The `vcq` process: runs the command line and exits with its code once output is written. */
import { main } from './main.js';

process.exitCode = await main(process.argv, { stdout: process.stdout, stderr: process.stderr, env: process.env });
