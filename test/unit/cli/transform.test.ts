import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runTransform, writeJson, type TransformIo } from '../../../lib/cli/transform.js';
import { buildTarball, fixtureItemPath } from '../../support/backup-fixture.js';

const CM = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default', uid: 'u1' }, data: { a: '1' } };
const DEPLOY = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
  spec: { template: { spec: { containers: [{ name: 'c', image: 'old.example.com/app:1' }] } } } };
const RESTORE = stringify({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name: 'r1' },
  spec: { backupName: 'b1', namespaceMapping: { default: 'moved' }, imageRegistryMapping: { 'old.example.com': 'new.example.com' } } });

/** A fake file system: paths ending in "/" list the files below them. */
function fakeIo(files: Record<string, string | Buffer>) {
  const out: string[] = [];
  const err: string[] = [];
  const io: TransformIo = {
    readFile: async (path) => {
      const content = files[path];
      if (content === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return content;
    },
    readDir: async (path) => {
      const prefix = `${path.replace(/\/+$/, '')}/`;
      const names = Object.keys(files).filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length).split('/')[0]!);
      return names.length > 0 ? [...new Set(names)] : undefined;
    },
    stdout: (s) => { out.push(s); },
    stderr: (s) => { err.push(s); },
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

describe('ferry transform', () => {
  it('prints the transformed objects as YAML documents in apply order and exits 0', async () => {
    const f = fakeIo({ 'restore.yaml': RESTORE, 'app.yaml': `${stringify(DEPLOY)}---\n${stringify(CM)}` });
    expect(await runTransform(['-f', 'restore.yaml', 'app.yaml'], f.io)).toBe(0);
    expect(f.stdout()).toMatch(/^---\napiVersion: v1\nkind: ConfigMap\n[\s\S]*namespace: moved[\s\S]*---\napiVersion: apps\/v1\nkind: Deployment[\s\S]*image: new\.example\.com\/app:1/);
    expect(f.stdout()).not.toContain('uid');
  });

  it('quotes strings that kubectl\'s YAML 1.1 would read as something else', async () => {
    const f = fakeIo({ 'app.yaml': stringify({ ...CM, data: { enabled: 'yes', mode: 'on', when: '2024-05-20T08:12:01Z' } }) });
    expect(await runTransform(['app.yaml'], f.io)).toBe(0);
    expect(f.stdout()).toContain('enabled: "yes"\n  mode: "on"\n  when: "2024-05-20T08:12:01Z"\n');
  });

  it('prints items, warnings, errors and skipped objects with -o json', async () => {
    const f = fakeIo({ 'app.yaml': `${stringify(CM)}---\n${stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } })}` });
    expect(await runTransform(['-o', 'json', 'app.yaml'], f.io)).toBe(0);
    const out = JSON.parse(f.stdout());
    expect(out.items).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default',
      labels: { 'velero.io/backup-name': 'manifests', 'velero.io/restore-name': 'ferry-transform' } }, data: { a: '1' } }]);
    expect(out.skipped).toEqual([{ apiVersion: 'v1', kind: 'Node', namespace: '', name: 'n1', reason: 'skip-non-restorable: nodes are never restored' }]);
    expect(out.warnings).toEqual([]);
    expect(out.errors).toEqual([]);
  });

  it('prints a unified diff per object with --diff', async () => {
    const f = fakeIo({ 'restore.yaml': RESTORE, 'app.yaml': stringify(CM) });
    expect(await runTransform(['-f', 'restore.yaml', '--diff', 'app.yaml'], f.io)).toBe(0);
    expect(f.stdout()).toContain('--- backup/configmaps/default/cfg\n+++ restore/configmaps/moved/cfg\n@@');
    expect(f.stdout()).toContain('\n-  namespace: default\n-  uid: u1\n+  namespace: moved\n');
  });

  it('reads folders recursively, taking only manifests, and gives a namespace-less object the default namespace', async () => {
    const f = fakeIo({ 'dir/a.yaml': stringify({ ...CM, metadata: { name: 'a' } }), 'dir/sub/b.json': JSON.stringify({ ...CM, metadata: { name: 'b', namespace: 'x' } }),
      'dir/README.md': '# not a manifest' });
    expect(await runTransform(['-o', 'json', 'dir'], f.io)).toBe(0);
    expect(JSON.parse(f.stdout()).items.map((i: { metadata: { namespace: string; name: string } }) => `${i.metadata.namespace}/${i.metadata.name}`))
      .toEqual(['default/a', 'x/b']);
  });

  it('reads a backup tarball without counting the preferred-version copies twice, and names the backup after the file', async () => {
    const tarball = await buildTarball([
      { path: 'metadata/version', body: '1.1.0' },
      { path: fixtureItemPath(CM, 'configmaps'), body: CM },
      { path: fixtureItemPath(CM, 'configmaps', 'v1'), body: CM },
      { path: fixtureItemPath(DEPLOY, 'deployments.apps'), body: DEPLOY },
      { path: fixtureItemPath(DEPLOY, 'deployments.apps', 'v1'), body: DEPLOY },
    ]);
    const f = fakeIo({ 'nightly-2024.tar.gz': tarball });
    expect(await runTransform(['-o', 'json', 'nightly-2024.tar.gz'], f.io)).toBe(0);
    const items = JSON.parse(f.stdout()).items as { kind: string; metadata: { labels: Record<string, string> } }[];
    expect(items.map((i) => i.kind)).toEqual(['ConfigMap', 'Deployment']);
    expect(items[0]!.metadata.labels['velero.io/backup-name']).toBe('nightly-2024');
  });

  it('reports a tarball entry whose object does not match its path as an error and exits 1, printing the rest', async () => {
    const tarball = await buildTarball([
      { path: 'resources/configmaps/namespaces/default/other.json', body: CM },
      { path: fixtureItemPath(DEPLOY, 'deployments.apps'), body: DEPLOY },
    ]);
    const f = fakeIo({ 'b.tar.gz': tarball });
    expect(await runTransform(['-o', 'json', 'b.tar.gz'], f.io)).toBe(1);
    const out = JSON.parse(f.stdout());
    expect(out.items).toHaveLength(1);
    expect(out.errors).toEqual([{ apiVersion: '', kind: '', namespace: '', name: '', message: expect.stringContaining('resources/configmaps/namespaces/default/other.json') }]);
  });

  it('refuses an unsafe tarball with exit 2 and nothing on stdout', async () => {
    const f = fakeIo({ 'evil.tar.gz': await buildTarball([{ path: '../../etc/passwd', body: 'x' }]) });
    expect(await runTransform(['evil.tar.gz'], f.io)).toBe(2);
    expect(f.stdout()).toBe('');
    expect(f.stderr()).toMatch(/unsafe entry path/);
  });

  it('applies rules given with --modifiers and exits 1 when a rule fails on an object, still printing it', async () => {
    const rules = 'version: v1\nresourceModifierRules:\n- conditions: {groupResource: configmaps}\n  patches:\n  - {operation: remove, path: /data/nope}\n';
    const f = fakeIo({ 'm.yaml': rules, 'app.yaml': stringify(CM) });
    expect(await runTransform(['--modifiers', 'm.yaml', 'app.yaml'], f.io)).toBe(1);
    expect(f.stdout()).toContain('kind: ConfigMap');
    expect(f.stderr()).toMatch(/^error: ConfigMap default\/cfg: resource-modifiers: resourceModifierRules\[0\]/m);
  });

  it('notes that the spec\'s modifier ConfigMap is not applied offline', async () => {
    const spec = stringify({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name: 'r' },
      spec: { backupName: 'b', resourceModifier: { kind: 'ConfigMap', name: 'rules', namespace: 'csdr' } } });
    const f = fakeIo({ 'r.yaml': spec, 'app.yaml': stringify(CM) });
    expect(await runTransform(['-f', 'r.yaml', 'app.yaml'], f.io)).toBe(0);
    expect(f.stderr()).toContain('note: the spec\'s resource modifiers are in ConfigMap csdr/rules');
  });

  it('converts what --target-version no longer serves', async () => {
    const cronJob = { apiVersion: 'batch/v1beta1', kind: 'CronJob', metadata: { name: 'c', namespace: 'default' }, spec: { schedule: '* * * * *' } };
    const f = fakeIo({ 'app.yaml': stringify(cronJob) });
    expect(await runTransform(['--target-version', '1.25', '-o', 'json', 'app.yaml'], f.io)).toBe(0);
    expect(JSON.parse(f.stdout()).items[0].apiVersion).toBe('batch/v1');
  });

  it.each([
    ['no INPUT', [], {}, /give at least one INPUT/],
    ['an unknown option', ['--frobnicate', 'app.yaml'], { 'app.yaml': stringify(CM) }, /unknown option --frobnicate/],
    ['an unknown output format', ['-o', 'xml', 'app.yaml'], { 'app.yaml': stringify(CM) }, /-o must be yaml or json/],
    ['--diff with -o json', ['--diff', '-o', 'json', 'app.yaml'], { 'app.yaml': stringify(CM) }, /cannot be combined/],
    ['an invalid spec, with each problem and its line', ['-f', 'r.yaml', 'app.yaml'], { 'app.yaml': stringify(CM),
      'r.yaml': 'apiVersion: ferry.dev/v1\nkind: ApplicationRestore\nmetadata: {name: r}\nspec:\n  backupName: b\n  namespaceMappings: {}\n' },
      /r\.yaml: spec\.namespaceMappings \(line 6, column 3\): unknown field/],
    ['a manifest that is not YAML', ['app.yaml'], { 'app.yaml': 'a: [1, 2' }, /app\.yaml/],
    ['a manifest document that is not an object', ['app.yaml'], { 'app.yaml': 'kind: ConfigMap\n' }, /apiVersion is missing/],
    ['a missing input file', ['missing.yaml'], {}, /ENOENT/],
    ['a target version outside the table', ['--target-version', '1.9', 'app.yaml'], { 'app.yaml': stringify(CM) }, /1\.16 to 1\.35/],
    ['invalid modifier rules', ['--modifiers', 'm.yaml', 'app.yaml'], { 'app.yaml': stringify(CM), 'm.yaml': 'version: v2\nresourceModifierRules: []\n' }, /m\.yaml/],
    ['a folder with no manifests', ['dir'], { 'dir/notes.txt': 'hello' }, /no manifests found in dir/],
  ])('exits 2 with nothing on stdout for %s', async (_name, argv, files, message) => {
    const f = fakeIo(files as Record<string, string>);
    expect(await runTransform(argv as string[], f.io)).toBe(2);
    expect(f.stdout()).toBe('');
    expect(f.stderr()).toMatch(message);
  });

  it('prints its usage with --help and exits 0', async () => {
    const f = fakeIo({});
    expect(await runTransform(['--help'], f.io)).toBe(0);
    expect(f.stdout()).toMatch(/^usage: ferry transform/);
  });
});

describe('ferry transform -o json, written object by object', () => {
  const rest = { warnings: [{ message: 'a\nb' }], errors: [], skipped: [{ reason: 'x', nested: { empty: {}, list: [] } }] };
  it.each<[string, unknown[]]>([
    ['no objects at all', []],
    ['one object', [CM]],
    ['objects holding newlines, quotes, empty objects and arrays, unicode and numbers', [
      DEPLOY, { ...CM, data: { text: 'line 1\nline 2\t"quoted"\\', empty: '' }, spec: { a: [], b: {}, c: [[], [{}]], n: -1.5e-7, u: 'ünï \u2028 😀' } },
    ]],
  ])('writes the same bytes as JSON.stringify of the whole document for %s', async (_name, items) => {
    const chunks: string[] = [];
    writeJson({ stdout: (s) => { chunks.push(s); } }, items, rest);
    expect(chunks.join('')).toBe(`${JSON.stringify({ items, ...rest }, null, 2)}\n`);
    expect(chunks.length).toBeGreaterThanOrEqual(items.length + 2);
  });
});
