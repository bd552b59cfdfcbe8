import { hostname } from 'node:os';

/** `<host>:<pid>`: which process started a job, written on its row (`runner`). */
export const RUNNER = `${hostname()}:${process.pid}`;
