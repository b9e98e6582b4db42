import { describe, expect, it } from 'vitest';
import { serviceAction } from '../../../../lib/restore/actions/service.js';
import { cloneJson } from '../../../../lib/model/object.js';
import { contextWith, obj } from '../fixtures.js';

const service = (spec: Record<string, unknown>, annotations?: Record<string, string>) =>
  obj('v1', 'Service', 'web', 'default', { spec }, annotations ? { annotations } : {});

function run(svc: ReturnType<typeof service>, fields: Record<string, unknown> = {}) {
  const copy = cloneJson(svc);
  serviceAction.run(copy, contextWith(fields));
  return copy.spec as Record<string, unknown>;
}

describe('service action', () => {
  it.each([
    ['a ClusterIP service loses its cluster IPs', { type: 'ClusterIP', clusterIP: '10.0.0.5', clusterIPs: ['10.0.0.5'] }, { type: 'ClusterIP' }],
    ['a headless service keeps clusterIP None', { clusterIP: 'None', clusterIPs: ['None'] }, { clusterIP: 'None', clusterIPs: ['None'] }],
  ])('%s', (_name, spec, expected) => {
    expect(run(service(spec))).toEqual(expected);
  });

  it('drops auto-assigned node ports and the health-check node port', () => {
    const spec = run(service({ type: 'LoadBalancer', healthCheckNodePort: 32000, ports: [{ name: 'http', port: 80, nodePort: 31000 }] }));
    expect(spec).toEqual({ type: 'LoadBalancer', ports: [{ name: 'http', port: 80 }] });
  });

  it('keeps every node port when preserveNodePorts is set', () => {
    const spec = run(service({ type: 'NodePort', healthCheckNodePort: 32000, ports: [{ port: 80, nodePort: 31000 }] }), { preserveNodePorts: true });
    expect(spec).toEqual({ type: 'NodePort', healthCheckNodePort: 32000, ports: [{ port: 80, nodePort: 31000 }] });
  });

  it('keeps a node port the user wrote explicitly, as the last-applied configuration shows, and drops the others', () => {
    const lastApplied = JSON.stringify({ spec: { ports: [{ name: 'http', port: 80, nodePort: 30080 }] } });
    const spec = run(service({ type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'metrics', port: 9090, nodePort: 31999 }] },
      { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied }));
    expect(spec.ports).toEqual([{ name: 'http', port: 80, nodePort: 30080 }, { name: 'metrics', port: 9090 }]);
  });

  it('ignores a last-applied annotation that is not JSON', () => {
    const spec = run(service({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }, { 'kubectl.kubernetes.io/last-applied-configuration': '{oops' }));
    expect(spec.ports).toEqual([{ port: 80 }]);
  });
});
