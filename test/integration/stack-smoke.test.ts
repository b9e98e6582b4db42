// Smoke tests of the real local stack: both control planes and the S3 server answer as the real things do.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createS3Client } from '../../lib/store/s3-store.js';
import { NotFoundError } from '../../lib/store/errors.js';
import { freshName, kubeconfigPath, stackCluster, stackS3Location, stackStore } from '../support/stack.js';

function coreApi(plane: 'source' | 'target'): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath(plane));
  return kc.makeApiClient(CoreV1Api);
}

describe('the local control planes', () => {
  it.each(['source', 'target'] as const)('the %s control plane stores a namespace and a ConfigMap and reads them back', async (plane) => {
    const api = coreApi(plane);
    const ns = freshName(`smoke-${plane}`);
    await api.createNamespace({ body: { metadata: { name: ns } } });
    await api.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'greeting' }, data: { hello: plane } } });
    const read = await api.readNamespacedConfigMap({ namespace: ns, name: 'greeting' });
    expect(read.data).toEqual({ hello: plane });
    expect(read.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('the source and target control planes do not share objects', async () => {
    const ns = freshName('smoke-apart');
    await coreApi('source').createNamespace({ body: { metadata: { name: ns } } });
    const target = stackCluster('target');
    expect(await target.read('v1', 'Namespace', ns)).toBeUndefined();
    expect(await stackCluster('source').read('v1', 'Namespace', ns)).toMatchObject({ metadata: { name: ns } });
  });

  it('discovery reports the served groups with their preferred versions and the server version', async () => {
    const d = await stackCluster('source').discover();
    expect(d.serverVersion).toMatch(/^v1\.3[45]\./);
    expect(d.groups.find((g) => g.name === 'apps')?.preferredVersion).toBe('v1');
    expect(d.resources).toContainEqual(expect.objectContaining({ group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true }));
  });

  it('a paged LIST returns every object once across pages', async () => {
    const cluster = stackCluster('source');
    const ns = freshName('smoke-pages');
    await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    // Labelled: the controllers put a ConfigMap of their own (kube-root-ca.crt) into every namespace.
    for (let i = 0; i < 7; i++) await cluster.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: ns, labels: { smoke: 'pages' } }, data: {} });
    const resource = (await cluster.discover()).resources.find((r) => r.kind === 'ConfigMap' && r.version === 'v1')!;
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await cluster.listPage(resource, { namespace: ns, labelSelector: 'smoke=pages', limit: 3, continueToken: token });
      names.push(...page.items.map((i) => i.metadata.name!));
      token = page.continueToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(names.sort()).toEqual(['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4', 'cm-5', 'cm-6']);
  });
});

describe('the local S3 server', () => {
  it('puts, lists, gets and deletes objects', async () => {
    const store = stackStore();
    const prefix = `${freshName('smoke')}/`;
    await store.put(`${prefix}a.json`, '{"a":1}', { contentType: 'application/json' });
    await store.put(`${prefix}b.json`, '{"b":2}');
    const client = createS3Client(stackS3Location());
    const listed = await client.send(new ListObjectsV2Command({ Bucket: stackS3Location().bucket, Prefix: prefix }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([`${prefix}a.json`, `${prefix}b.json`]);
    const got = await client.send(new GetObjectCommand({ Bucket: stackS3Location().bucket, Key: `${prefix}a.json` }));
    expect(await got.Body!.transformToString()).toBe('{"a":1}');
    await store.delete(`${prefix}a.json`);
    expect(await store.head(`${prefix}a.json`)).toBeUndefined();
    await expect(store.getBytes(`${prefix}a.json`)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a conditional create fails when the object already exists', async () => {
    const store = stackStore();
    const key = `${freshName('smoke')}/once.json`;
    await store.put(key, '1', { ifNoneMatch: '*' });
    await expect(store.put(key, '2', { ifNoneMatch: '*' })).rejects.toMatchObject({ name: 'PreconditionFailedError' });
  });

  it('a streamed multipart upload of 20 MiB round-trips byte-exact', async () => {
    const store = stackStore();
    const key = `${freshName('smoke')}/big.bin`;
    const chunk = 1024 * 1024;
    const sent = createHash('sha256');
    let left = 20;
    const source = new Readable({
      read() {
        if (left-- === 0) return this.push(null);
        const bytes = randomBytes(chunk);
        sent.update(bytes);
        this.push(bytes);
      },
    });
    await store.upload(key, source);
    const { body, size } = await store.get(key);
    const received = createHash('sha256');
    for await (const part of body) received.update(part as Buffer);
    expect(size).toBe(20 * chunk);
    expect(received.digest('hex')).toBe(sent.digest('hex'));
    await store.delete(key);
  });

  it('a stream that fails midway aborts the upload and leaves no object', async () => {
    const store = stackStore();
    const key = `${freshName('smoke')}/broken.bin`;
    let sentParts = 0;
    const source = new Readable({
      read() {
        if (sentParts++ < 10) this.push(randomBytes(1024 * 1024));
        else this.destroy(new Error('source cluster went away'));
      },
    });
    await expect(store.upload(key, source)).rejects.toThrow(/source cluster went away/);
    expect(await store.head(key)).toBeUndefined();
  });
});
