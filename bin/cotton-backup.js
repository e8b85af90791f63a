#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so that the published bin needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
