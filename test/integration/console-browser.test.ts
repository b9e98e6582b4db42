// The web console in a real browser (headless Chromium from Debian, driven by playwright-core) against the console
// function under osls offline and the local stack: list and open a backup, preview the seed restore as a diff with
// the target's dry-run verdicts, start it and watch it complete; a failing object shows with the API server's
// message; requests without the token are refused. FERRY_CONSOLE_SCREENSHOTS=1 also writes docs/console/*.png.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { readCatalogEntry } from '../../lib/catalog/catalog-entry.js';
import type { KubeObject } from '../../lib/model/object.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { startOffline, type Offline } from '../../scripts/offline/offline.js';
import { launchChromium } from '../support/browser.js';
import { freePort } from '../support/ports.js';
import { createAll, seedDocuments } from '../support/seed.js';
import { freshName, stackCluster, stackDir, stackEnv, stackStore } from '../support/stack.js';

const docs = resolve(import.meta.dirname, '../../docs/console');
const screenshots = process.env.FERRY_CONSOLE_SCREENSHOTS === '1';
const source = stackCluster('source');
const target = stackCluster('target');
let offline: Offline;
let browser: Browser;
let base: string;
let token: string;
const backup = freshName('nginx-backup');
const schedule = freshName('seed-daily');
const modifiers = (seedDocuments('modifier.yaml')[0]!.data as { modifier: string }).modifier;

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  browser = await launchChromium();
  // Ports of its own: other worktrees run serverless.test.ts on 3002 (and serverless-offline's HTTP default, 3000).
  const httpPort = await freePort();
  // A schedule the console lists (its first run is a day away: the test starts one now from the console).
  const schedulesFile = join(mkdtempSync(join(tmpdir(), 'ferry-console-')), 'schedules.yaml');
  writeFileSync(schedulesFile, `apiVersion: ferry.dev/v1\nkind: BackupSchedule\nmetadata: {name: ${schedule}}\nspec:\n  schedule: 24h\n  template: {includedNamespaces: [default]}\n`);
  offline = await startOffline({ stackDir: stackDir(), lambdaPort: await freePort(), httpPort, schedulesFile, log: () => undefined });
  base = `http://127.0.0.1:${httpPort}/`;
  token = stackEnv().FERRY_CONSOLE_TOKEN!;
  expect(offline.consoleUrl).toBe(`${base}#token=${encodeURIComponent(token)}`);
  expect(token, 'the stack issues the console token (FERRY_CONSOLE_TOKEN in .stack/env)').toMatch(/^\S{16,}$/);

  await createAll(source, seedDocuments('app.yaml'));
  const doc = seedDocuments('backup.yaml')[0]!;
  const taken = await offline.invoke<{ phase: string }>('backup', { spec: { ...doc, metadata: { ...doc.metadata, name: backup } }, cluster: 'source' });
  expect(taken.phase).toBe('Completed');
  await waitFor(async () => (await readCatalogEntry(stackStore(), new BucketLayout(''), backup)).entry?.phase === 'Completed', 'the backup to be indexed');
  // The seed maps default to default1: clear what an earlier seed restore (a test or the demo) left there.
  await Promise.all([['apps/v1', 'StatefulSet', 'web'], ['v1', 'Service', 'nginx'], ['v1', 'ConfigMap', 'nginx-settings']]
    .map(([apiVersion, kind, name]) => target.delete(apiVersion!, kind!, name!, 'default1')));
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await offline?.stop();
  source.close();
  target.close();
}, 60_000);

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function signedIn(width = 1280): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.goto(offline.consoleUrl);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  if (!screenshots) return;
  mkdirSync(docs, { recursive: true });
  await page.screenshot({ path: join(docs, `${name}.png`), fullPage: true });
}

/** Fills the restore form of the seed (its mappings and modifier rules, with `extra` rules) and previews it. */
async function previewSeedRestore(page: Page, restore: string, namespace: string, extraRules = ''): Promise<void> {
  await page.goto(`${base}#/restore?backup=${backup}`);
  await page.fill('#name', restore);
  await page.selectOption('#targetCluster', 'target');
  await page.fill('#namespaceMapping', `default=${namespace}`);
  await page.fill('#imageRegistryMapping', 'anolis-registry.cn-zhangjiakou.cr.aliyuncs.com/openanolis=registry.cn-beijing.aliyuncs.com/ferry-demo');
  await page.fill('#modifiers', modifiers + extraRules);
  expect(await page.isDisabled('#start')).toBe(true);
  await page.click('#preview');
  await page.waitForSelector('#preview-result', { timeout: 60_000 });
}

describe('the web console in a browser', () => {
  it('refuses every API request without the token, or with another token', async () => {
    const plain = await fetch(`${base}api/backups`);
    expect(plain.status).toBe(401);
    expect(await plain.json()).toMatchObject({ error: expect.stringMatching(/Authorization: Bearer/) });
    const wrong = await fetch(`${base}api/backups`, { headers: { authorization: 'Bearer not-the-console-token-at-all' } });
    expect(wrong.status).toBe(401);
    const post = await fetch(`${base}api/restores`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(post.status).toBe(401);
    // The page itself holds no data; without a token it asks for one.
    const page = await browser.newPage();
    await page.goto(base);
    await page.waitForSelector('#token');
    expect(await page.textContent('h1')).toBe('Sign in');
    await page.close();
  });

  it('lists the backups, opens one, previews the seed restore as a diff, starts it and follows it to Completed', async () => {
    const page = await signedIn();
    await page.waitForSelector(`a[href="#/backups/${backup}"]`);
    await page.fill('#filter', backup);
    expect(await page.locator('tbody tr').count()).toBe(1);
    await shot(page, 'backups');

    await page.click(`a[href="#/backups/${backup}"]`);
    await page.waitForSelector('figure.chart');
    const charts = await page.textContent('main');
    expect(charts).toContain('Objects by namespace');
    expect(charts).toMatch(/statefulsets\.apps\s*1/);
    await shot(page, 'backup');

    const restore = freshName('nginx-restore');
    await previewSeedRestore(page, restore, 'default1');
    const sts = page.locator('details.object', { hasText: 'StatefulSet default/web' });
    await sts.locator('summary').click();
    const diff = await sts.locator('pre.diff').textContent();
    expect(diff).toContain('-  namespace: default\n');
    expect(diff).toContain('+  namespace: default1\n');
    expect(diff).toMatch(/^-\s+image: anolis-registry\.cn-zhangjiakou\.cr\.aliyuncs\.com\/openanolis\/nginx:1\.14\.1-8\.6$/m);
    expect(diff).toMatch(/^\+\s+image: registry\.cn-beijing\.aliyuncs\.com\/ferry-demo\/nginx:1\.14\.1-8\.6$/m);
    // The seed's rule removes the template's node affinity (the one the target's nodes cannot satisfy).
    expect(diff).toMatch(/^-\s+nodeAffinity:$/m);
    expect(diff).not.toMatch(/^\+.*nodeAffinity/m);
    expect(await sts.locator('summary').textContent()).toMatch(/→ default1\/web \[dry run: created(: [^\]]*)?\]/);
    expect(await page.textContent('#preview-result')).toMatch(/Dry run on target: Completed/);
    await shot(page, 'restore-preview');
    // Nothing was applied by the preview.
    expect(await target.read('apps/v1', 'StatefulSet', 'web', 'default1')).toBeUndefined();

    await page.click('#start');
    await page.waitForURL(`**/#/restores/${restore}`);
    await page.waitForFunction(() => document.querySelector('#phase')?.textContent === 'Completed', undefined, { timeout: 120_000 });
    expect(await page.textContent('main')).toMatch(/statefulsets\.apps\s*1\/1/);
    await shot(page, 'restore-progress');
    const restored = await target.read('apps/v1', 'StatefulSet', 'web', 'default1') as KubeObject & { spec: { template: { spec: { containers: { image: string }[]; affinity?: { nodeAffinity?: unknown } } } } };
    expect(restored.spec.template.spec.containers[0]!.image).toBe('registry.cn-beijing.aliyuncs.com/ferry-demo/nginx:1.14.1-8.6');
    expect(restored.spec.template.spec.affinity?.nodeAffinity).toBeUndefined();
    await page.close();
  });

  it('shows a restore\'s failing object with the API server\'s message, in the preview\'s dry run and in its progress', async () => {
    const page = await signedIn(390);
    const restore = freshName('nginx-bad');
    const namespace = freshName('bad');
    // A rule that makes the StatefulSet invalid: the API server refuses a negative replica count.
    const breaking = '- conditions: {groupResource: statefulsets.apps}\n  patches: [{operation: replace, path: /spec/replicas, value: "-1"}]\n';
    await previewSeedRestore(page, restore, namespace, breaking);
    expect(await page.locator('details.object', { hasText: 'StatefulSet default/web' }).locator('summary').textContent()).toMatch(/dry run: failed: .*replicas/);
    await page.click('#start');
    await page.waitForFunction(() => ['PartiallyFailed', 'Failed'].includes(document.querySelector('#phase')?.textContent ?? ''), undefined, { timeout: 120_000 });
    const failed = await page.textContent('#failed');
    expect(failed).toContain(`StatefulSet ${namespace}/web:`);
    expect(failed).toMatch(/spec\.replicas.*greater than or equal to 0/);
    await shot(page, 'restore-failed-phone');
    await page.close();
  });

  it('starts a backup now from a schedule\'s spec, named as the schedule names its backups, and lists it once indexed', async () => {
    const page = await signedIn();
    await page.goto(`${base}#/schedules`);
    await page.locator('tr', { hasText: schedule }).locator('button').click();
    const link = page.locator('p[aria-live] a');
    await link.waitFor();
    const name = (await link.textContent())!;
    expect(name).toMatch(new RegExp(`^${schedule}-\\d{14}$`));
    await shot(page, 'schedules');
    await waitFor(async () => (await readCatalogEntry(stackStore(), new BucketLayout(''), name)).entry?.phase === 'Completed', `backup ${name} to be indexed`);
    await link.click();
    await page.waitForSelector('figure.chart');
    expect(await page.textContent('h1')).toBe(`Backup ${name}`);
    expect(await page.textContent('main')).toMatch(/statefulsets\.apps\s*1/);
    await page.close();
  });
});
