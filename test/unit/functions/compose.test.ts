import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRuntime, loadRuntime, readConfig } from '../../../functions/compose.js';
import { ClusterCredentials } from '../../../lib/kube/credentials/index.js';

const YAML = `apiVersion: ferry.dev/v1
kind: FerryConfig
clusters:
  source: {kubeconfig: kube/source.kubeconfig}
  vault: {secretsManager: {secretId: ferry/target}}
storageLocations:
  default: {bucket: "\${BUCKET}", region: eu-west-1, prefix: ferry}
`;

function configFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-rt-'));
  writeFileSync(join(dir, 'ferry.yaml'), YAML);
  return join(dir, 'ferry.yaml');
}

describe('readConfig', () => {
  it('reads a file named by FERRY_CONFIG, substitutes variables and resolves kubeconfig paths from the file\'s folder', () => {
    const file = configFile();
    const config = readConfig({ FERRY_CONFIG: file, BUCKET: 'backups' });
    expect(config.storageLocations.default).toMatchObject({ bucket: 'backups', prefix: 'ferry' });
    expect(config.clusters.source).toEqual({ type: 'kubeconfig', file: join(file, '..', 'kube/source.kubeconfig') });
  });

  it.each([
    ['FERRY_CONFIG_YAML', YAML],
    ['FERRY_CONFIG_JSON', JSON.stringify({ clusters: { vault: { secretsManager: { secretId: 'ferry/target' } } }, storageLocations: { default: { bucket: '${BUCKET}' } } })],
  ])('reads inline config text from %s', (variable, text) => {
    const config = readConfig({ [variable]: text, BUCKET: 'backups' });
    expect(config.clusters.vault).toEqual({ type: 'secretsManager', secretId: 'ferry/target' });
    expect(config.storageLocations.default?.bucket).toBe('backups');
  });

  it.each([
    ['no source is set', {}, 'no config: set FERRY_CONFIG'],
    ['two sources are set', { FERRY_CONFIG: '/x', FERRY_CONFIG_YAML: 'a: 1' }, 'set only one of FERRY_CONFIG, FERRY_CONFIG_YAML'],
    ['the file does not exist', { FERRY_CONFIG: '/nonexistent/ferry.yaml' }, 'cannot read the config file /nonexistent/ferry.yaml (FERRY_CONFIG): ENOENT'],
    ['a variable it uses is not set', { FERRY_CONFIG_YAML: YAML }, 'uses ${BUCKET}, which is not set'],
  ])('explains what is wrong when %s', (_case, env, message) => {
    expect(() => readConfig(env)).toThrow(message);
  });
});

describe('loadRuntime', () => {
  it('builds the runtime once per environment and reads the config only when first used', () => {
    const env = { FERRY_CONFIG: '/nonexistent/ferry.yaml' };
    const runtime = loadRuntime(env);
    // Compared by identity: a matcher would read the config getter to print a diff.
    expect(loadRuntime(env) === runtime).toBe(true);
    expect(loadRuntime({ ...env }) === runtime).toBe(false);
    expect(() => runtime.config).toThrow('cannot read the config file');
  });

  it('opens a storage location once and reuses it, defaulting to the config\'s default location', () => {
    const runtime = createRuntime({ FERRY_CONFIG_YAML: YAML, BUCKET: 'backups' });
    const store = runtime.openStore();
    expect(store.name).toBe('default');
    expect(store.layout.backupsPrefix()).toBe('ferry/backups/');
    expect(runtime.openStore('default')).toBe(store);
    expect(() => runtime.openStore('elsewhere')).toThrow('storage location "elsewhere" is not in the config');
  });

  it('opens a cluster once per cold start and tries again after a failure', async () => {
    let reads = 0;
    const credentials = new ClusterCredentials({
      readSecret: async () => {
        reads += 1;
        if (reads === 1) throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
        return { text: 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://10.0.0.1"}}]\nusers: [{name: u, user: {token: tok-123456}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n' };
      },
    });
    const runtime = createRuntime({ FERRY_CONFIG_YAML: YAML, BUCKET: 'b' }, { credentials });
    await expect(runtime.openCluster('vault')).rejects.toThrow('cannot read secret ferry/target: ThrottlingException');
    const cluster = await runtime.openCluster('vault');
    expect(await runtime.openCluster('vault')).toBe(cluster);
    expect(reads).toBe(2);
    cluster.close();
  });

  it('masks the credentials its providers saw in every log line', async () => {
    const lines: string[] = [];
    const credentials = new ClusterCredentials({
      readSecret: async () => ({ text: 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://10.0.0.1"}}]\nusers: [{name: u, user: {token: opaque-value-from-secret}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n' }),
      onSecret: (v) => runtime.redactor.add(v),
    });
    const runtime = createRuntime({ FERRY_CONFIG_YAML: YAML, BUCKET: 'b' }, { credentials, write: (l) => lines.push(l) });
    (await runtime.openCluster('vault')).close();
    runtime.log.info('saw opaque-value-from-secret', { note: 'opaque-value-from-secret' });
    expect(lines.join('\n')).not.toContain('opaque-value-from-secret');
  });
});
