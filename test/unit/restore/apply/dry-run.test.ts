import { describe, expect, it } from 'vitest';
import type { WriteOptions } from '../../../../lib/kube/cluster.js';
import { ClusterError } from '../../../../lib/kube/errors.js';
import type { KubeObject } from '../../../../lib/model/object.js';
import { dryRunCreate, serviceAccountKey, type DryRunContext } from '../../../../lib/restore/apply/dry-run.js';
import { FakeCluster } from '../../../support/fake-cluster.js';

/** A fake whose pods are refused, as the ServiceAccount admission plugin refuses them, when their account is missing. */
class AdmittingCluster extends FakeCluster {
  override async create(obj: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    const ns = obj.metadata.namespace ?? '';
    const account = (obj.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName ?? 'default';
    if (obj.kind === 'Pod' && this.objects.has(`v1/Namespace//${ns}`) && !this.objects.has(`v1/ServiceAccount/${ns}/${account}`)) {
      throw new ClusterError(`create Pod ${ns}/${obj.metadata.name}: 403 Forbidden: pods "${obj.metadata.name}" is forbidden: error looking up service account ${ns}/${account}: serviceaccount "${account}" not found`, 403, 'Forbidden');
    }
    return super.create(obj, options);
  }
}

const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const sa = (name: string, namespace: string): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
const pod = (namespace: string, account?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace },
  spec: { ...(account ? { serviceAccountName: account } : {}), containers: [{ name: 'c', image: 'x' }] } });
const write = { dryRun: true, fieldManager: 'ferry' };
const cluster = () => new AdmittingCluster().seed(ns('default'), sa('default', 'default'), ns('app'), sa('default', 'app'));

describe('dryRunCreate', () => {
  it.each<[string, KubeObject, DryRunContext, RegExp | undefined]>([
    ['an object of an existing namespace is validated as it is', pod('app'), {}, undefined],
    ['an object of a namespace not made yet is validated in the stand-in namespace, saying so', pod('new'), { missingNamespaces: new Set(['new']) },
      /^dry run: namespace new does not exist yet, so the server validated the object in namespace default$/],
    ['a pod whose ServiceAccount this dry run restores is validated with the default one, saying so', pod('app', 'worker'),
      { serviceAccounts: new Set([serviceAccountKey('app', 'worker')]) }, /^dry run: its ServiceAccount worker is restored by this run but not written in a dry run/],
    ['both at once, in a namespace not made yet', pod('new', 'worker'), { missingNamespaces: new Set(['new']), serviceAccounts: new Set([serviceAccountKey('new', 'worker')]) },
      /^dry run: namespace new does not exist yet, .*; its ServiceAccount worker is restored by this run/],
  ])('%s', async (_case, obj, context, note) => {
    const c = cluster();
    const result = await dryRunCreate(c, obj, write, context);
    if (note) expect(result).toMatch(note);
    else expect(result).toBeUndefined();
    expect(c.calls.every((call) => call.op !== 'create' || call.dryRun)).toBe(true);
  });

  it.each<[string, KubeObject, DryRunContext]>([
    ['a pod whose ServiceAccount no one restores', pod('app', 'worker'), {}],
    ['a pod whose ServiceAccount is restored into another namespace', pod('app', 'worker'), { serviceAccounts: new Set([serviceAccountKey('other', 'worker')]) }],
  ])('%s is refused as the server refuses it', async (_case, obj, context) => {
    await expect(dryRunCreate(cluster(), obj, write, context)).rejects.toThrow('serviceaccount "worker" not found');
  });
});
