import { describe, expect, it } from 'vitest';
import { podAction } from '../../../../lib/restore/actions/pod.js';
import { cloneJson } from '../../../../lib/model/object.js';
import { contextWith, obj } from '../fixtures.js';

describe('pod action', () => {
  const pod = obj('v1', 'Pod', 'web-0', 'default', {
    spec: {
      nodeName: 'idc-node-1', priority: 1000, priorityClassName: 'high', serviceAccountName: 'app',
      volumes: [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }, { name: 'app-token-x7k2p', secret: { secretName: 'app-token-x7k2p' } },
        { name: 'kube-api-access-abcde', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }],
      containers: [{ name: 'nginx', volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' },
        { name: 'kube-api-access-abcde', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }],
      initContainers: [{ name: 'init', volumeMounts: [{ name: 'app-token-x7k2p', mountPath: '/t' }] }],
      ephemeralContainers: [{ name: 'debugger' }],
    },
  });

  it('clears the node and priority, drops token volumes and mounts and ephemeral containers, and keeps the rest', () => {
    const copy = cloneJson(pod);
    const result = podAction.run(copy, contextWith());
    expect(copy.spec).toEqual({
      priorityClassName: 'high', serviceAccountName: 'app',
      volumes: [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }],
      containers: [{ name: 'nginx', volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }] }],
      initContainers: [{ name: 'init' }],
    });
    expect(result).toEqual({ warnings: [expect.stringContaining('ephemeral container')] });
  });

  it('treats a pod without a service account name as using "default"', () => {
    const copy = cloneJson(obj('v1', 'Pod', 'p', 'default', { spec: { volumes: [{ name: 'default-token-abc' }], containers: [] } }));
    podAction.run(copy, contextWith());
    expect(copy.spec).toEqual({ containers: [] });
  });
});
