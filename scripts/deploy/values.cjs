/* eslint-disable @typescript-eslint/no-require-imports */
// serverless.yml's bridge to scripts/deploy/template-values.ts: runs it once (with tsx) and hands its JSON to the
// `${file(...)}` variables. CommonJS because the framework require()s variable files.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

let cached;

module.exports = async ({ resolveVariable }) => {
  if (cached) return cached;
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  const repo = path.resolve(__dirname, '../..');
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'template-values.ts'), `${service}-${stage}`], {
      cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_PATH: path.join(repo, 'node_modules') },
    });
    cached = JSON.parse(out);
    return cached;
  } catch (err) {
    throw new Error(`Ferry's config or schedules are not valid:\n${err.stderr || err.message}`);
  }
};
