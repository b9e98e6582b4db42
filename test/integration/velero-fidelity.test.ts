// The fidelity gaps of issue 20 against the real target API server (single stack, 1.35): what the transform makes of
// a dual-stack Service and an extensions/v1beta1 Job is accepted by a server-side dry run; the originals are refused.
import { describe, expect, it } from 'vitest';
import { cloneJson, type KubeObject } from '../../lib/model/object.js';
import { jobAction } from '../../lib/restore/actions/job.js';
import { serviceAction } from '../../lib/restore/actions/service.js';
import { servedVersionsForMinor } from '../../lib/restore/api-versions/kubernetes-versions.js';
import { upgradeApiVersion } from '../../lib/restore/stages/upgrade-api-version.js';
import { contextWith, itemOf } from '../unit/restore/fixtures.js';
import { stackCluster } from '../support/stack.js';

const dryRun = (o: KubeObject) => stackCluster('target').create(o, { dryRun: true });

describe('restore fidelity against a single-stack 1.35 target', () => {
  it.each([
    ['RequireDualStack with both families', { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] }],
    ['PreferDualStack with both families', { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6', 'IPv4'] }],
  ])('a Service asking for dual stack (%s) is refused as it is, and accepted as the service action restores it', async (_case, families) => {
    const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'dual', namespace: 'default' }, spec: { ...families, ports: [{ port: 80 }] } };
    await expect(dryRun(service)).rejects.toThrow(/422 Invalid/);
    const copy = cloneJson(service);
    serviceAction.run(copy, contextWith({}));
    expect((await dryRun(copy)).spec).toMatchObject({ ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4'] });
  });

  it('an extensions/v1beta1 Job is refused as it is, and accepted converted to batch/v1 without its selector', async () => {
    const job: KubeObject = { apiVersion: 'extensions/v1beta1', kind: 'Job', metadata: { name: 'pi', namespace: 'default' }, spec: {
      autoSelector: false, selector: { matchLabels: { app: 'pi' } },
      template: { metadata: { labels: { app: 'pi' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5.34', command: ['perl', '-e', 'print 1'] }] } },
    } };
    await expect(dryRun(job)).rejects.toThrow();
    const result = upgradeApiVersion(itemOf(job), contextWith({}, { served: servedVersionsForMinor(35) }));
    if ('skip' in result) throw new Error(`skipped: ${result.skip}`);
    const copy = cloneJson(result.item.object);
    jobAction.run(copy, contextWith({}));
    expect((await dryRun(copy)).apiVersion).toBe('batch/v1');
  });
});
