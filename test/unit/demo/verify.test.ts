import { describe, expect, it } from 'vitest';
import { beforeAfterTable, checkRestored, viewOf } from '../../../scripts/demo/verify.js';
import type { KubeObject } from '../../../lib/model/object.js';

const sts = (namespace: string, image: string, affinity: unknown, labels: Record<string, string>): KubeObject => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace, labels },
  spec: { template: { spec: { ...(affinity === undefined ? {} : { affinity }), containers: [{ name: 'nginx', image }] } } },
});
const expected = { namespace: 'default1', image: 'registry.cn-beijing.aliyuncs.com/ferry-demo/nginx:1.14.1-8.6', backup: 'b', restore: 'r' };
const restoredLabels = { 'app': 'nginx', 'velero.io/backup-name': 'b', 'velero.io/restore-name': 'r' };

describe('the demo\'s verification', () => {
  it('accepts the StatefulSet the seed article shows after its restore', () => {
    expect(checkRestored(viewOf(sts('default1', expected.image, {}, restoredLabels)), expected)).toEqual([]);
  });

  it.each([
    ['left in the source namespace', sts('default', expected.image, {}, restoredLabels), 'namespace is default, expected default1'],
    ['still pulling from the old registry', sts('default1', 'anolis-registry.cn-zhangjiakou.cr.aliyuncs.com/openanolis/nginx:1.14.1-8.6', {}, restoredLabels), 'image is anolis-registry'],
    ['still carrying node affinity', sts('default1', expected.image, { nodeAffinity: { x: 1 } }, restoredLabels), 'node affinity is still there'],
    ['without the restore\'s labels', sts('default1', expected.image, {}, { app: 'nginx' }), 'label velero.io/backup-name=b is missing'],
  ])('reports a StatefulSet %s', (_case, object, message) => {
    const problems = checkRestored(viewOf(object), expected);
    expect(problems.join('\n')).toContain(message);
  });

  it('prints before and after side by side, one field a row', () => {
    const table = beforeAfterTable(viewOf(sts('default', 'a/nginx:1', undefined, { app: 'nginx' })), viewOf(sts('default1', 'b/nginx:1', {}, restoredLabels)));
    expect(table.split('\n')).toHaveLength(5);
    expect(table).toMatch(/^namespace\s+default\s+default1$/m);
    expect(table).toMatch(/^affinity\s+\(none\)\s+\{\}$/m);
  });
});
