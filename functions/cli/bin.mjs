#!/usr/bin/env node
// Entry point of `npx inspector`: runs the TypeScript CLI through tsx (a dependency), so a checkout works
// right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv);
