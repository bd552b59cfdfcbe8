#!/usr/bin/env node
// vcq's packages are TypeScript run by tsx (no build step): load it, then the command line.
import { register } from 'tsx/esm/api';

register();
await import('../src/bin.ts');
