import type { KubeObject } from '../../../../lib/model/object.js';
import { parseResourceModifiers, type ResourceModifiers } from '../../../../lib/restore/modifiers/index.js';

/** Parses rules written as the items of resourceModifierRules (YAML, each starting with "- conditions:"). */
export function rules(items: string): ResourceModifiers {
  return parseResourceModifiers(`version: v1\nresourceModifierRules:\n${items}`, 'rules.yaml');
}

/** A Deployment as it comes out of a backup. */
export function deployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web-frontend', namespace: 'shop', labels: { app: 'web', tier: 'frontend' }, finalizers: ['a.example/one', 'b.example/two'] },
    spec: {
      replicas: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'nginx', image: 'nginx:1.25',
              ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443, name: 'https' }],
              env: [{ name: 'MODE', value: 'prod' }, { name: 'REGION', value: 'eu' }],
              volumeMounts: [{ name: 'html', mountPath: '/usr/share/nginx/html' }],
            },
            { name: 'sidecar', image: 'busybox:1.36', args: ['sleep', 'infinity'] },
          ],
          volumes: [{ name: 'html', emptyDir: {} }, { name: 'config', configMap: { name: 'web-config' } }],
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
          imagePullSecrets: [{ name: 'registry-a' }],
        },
      },
    },
  };
}

/** A cluster-scoped object: a PersistentVolume. */
export function persistentVolume(): KubeObject {
  return {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name: 'pv-data-1', labels: { app: 'web' } },
    spec: { capacity: { storage: '20Gi' }, storageClassName: 'standard', accessModes: ['ReadWriteOnce'] },
  };
}

/** A ConfigMap in the backup's namespace. */
export function configMap(): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: 'shop', labels: { app: 'web' } }, data: { test: 'true', count: '2' } };
}
