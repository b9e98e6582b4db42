import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../lib/spec/config.js';
import { SpecError } from '../../../lib/spec/problems.js';

const good = `
apiVersion: ferry.dev/v1
kind: FerryConfig
clusters:
  idc: {kubeconfig: ./idc.kubeconfig, context: admin}
  ack: {secretsManager: {secretId: ack-kubeconfig, region: cn-beijing}}
  eks: {eks: {name: prod, region: eu-west-1}}
storageLocations:
  vault:
    bucket: \${BUCKET}
    prefix: team-a
    region: eu-west-1
    serverSideEncryption: aws:kms
    kmsKeyId: alias/ferry
`;

function problemsOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfigText(text, 'ferry.yaml', env);
    return [];
  } catch (err) {
    return (err as SpecError).problems.map((p) => `${p.path}: ${p.message}`);
  }
}

describe('parseConfigText', () => {
  it('a complete config parses, with variables filled from the environment', () => {
    const config = parseConfigText(good, 'ferry.yaml', { BUCKET: 'backups' });
    expect(config.clusters.idc).toEqual({ type: 'kubeconfig', file: './idc.kubeconfig', context: 'admin' });
    expect(config.clusters.ack).toEqual({ type: 'secretsManager', secretId: 'ack-kubeconfig', region: 'cn-beijing' });
    expect(config.clusters.eks).toEqual({ type: 'eks', name: 'prod', region: 'eu-west-1' });
    expect(config.storageLocations.vault).toEqual({ bucket: 'backups', prefix: 'team-a', region: 'eu-west-1', serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/ferry' });
    expect(config.defaultStorageLocation).toBe('vault');
  });

  it.each([
    ['a variable missing from the environment is named', good, {}, 'storageLocations.vault.bucket: uses ${BUCKET}, which is not set in the environment'],
    ['a cluster with two sources is refused', 'clusters: {a: {kubeconfig: x, eks: {name: a, region: b}}}', {}, 'clusters.a: expected exactly one of kubeconfig, secretsManager or eks, found 2'],
    ['an unknown location field is refused', 'storageLocations: {a: {bucket: b, bukket: c}}', {}, 'storageLocations.a.bukket: unknown field (expected one of bucket, prefix, region, endpoint, forcePathStyle, serverSideEncryption, kmsKeyId, volumeData)'],
    ['an unknown encryption is refused', 'storageLocations: {a: {bucket: b, serverSideEncryption: DES}}', {}, 'storageLocations.a.serverSideEncryption: expected AES256 or aws:kms, got "DES"'],
    ['a prefix that climbs out is refused', 'storageLocations: {a: {bucket: b, prefix: "x/../y"}}', {}, 'storageLocations.a.prefix: must not contain "..", got "x/../y"'],
    ['a default location that does not exist is refused', 'storageLocations: {a: {bucket: b}}\ndefaultStorageLocation: c', {}, 'defaultStorageLocation: names "c", which is not in storageLocations (a)'],
    ['an endpoint that is not a URL is refused', 'storageLocations: {a: {bucket: b, endpoint: "localhost:7070"}}', {}, 'storageLocations.a.endpoint: expected an http(s) URL, got "localhost:7070"'],
  ])('%s', (_name, text, env, problem) => {
    expect(problemsOf(text, env)).toContain(problem);
  });

  it('every problem is reported at once', () => {
    expect(problemsOf('clusters: {a: {}}\nstorageLocations: {b: {}}\nextra: 1')).toHaveLength(3);
  });
});

describe('cluster usedBy', () => {
  const withUsedBy = (usedBy: string) => `clusters:\n  idc: {kubeconfig: ./k, usedBy: ${usedBy}}\nstorageLocations:\n  v: {bucket: b}\n`;
  it.each([
    ['a source only', '[backup]', ['backup']],
    ['a target only', '[restore]', ['restore']],
    ['both, named twice once', '[backup, restore, backup]', ['backup', 'restore']],
  ])('reads usedBy for %s', (_case, text, expected) => {
    expect(parseConfigText(withUsedBy(text), 'ferry.yaml').clusters.idc).toEqual({ type: 'kubeconfig', file: './k', usedBy: expected });
  });

  it.each([
    ['an empty list', '[]'],
    ['a function that opens no cluster', '[index]'],
    ['a string', 'backup'],
  ])('refuses usedBy as %s, naming the field', (_case, text) => {
    expect(problemsOf(withUsedBy(text))).toEqual([expect.stringMatching(/^clusters\.idc\.usedBy: expected a non-empty list of backup and\/or restore/)]);
  });
});
