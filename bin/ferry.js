#!/usr/bin/env node
// The `ferry` command: runs the TypeScript CLI through tsx, so a clone works after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

// The SDK warns on every command that its releases after January 2027 need Node 22. Ferry runs on Node 20 with its
// SDK pinned in package-lock.json, so the warning is not the user's to act on; set the variable to see it anyway.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { main } = await import('../lib/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
