import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runBackup } from '../../lib/backup/run-backup.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { stackMover } from './mover.js';
import { createAll } from './seed.js';
import { stackCluster, stackStore } from './stack.js';
import { volumeFolderOf, waitForRunning } from './workloads.js';
const layout = new BucketLayout('vi1');
const source = stackCluster('source');
const ns = 'fdata';
await createAll(source, [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'www', namespace: ns }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'ferry-local' } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: ns }, spec: { containers: [{ name: 'web', image: 'ferry.local/web:1', volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }] }], volumes: [{ name: 'www', persistentVolumeClaim: { claimName: 'www' } }] } },
]);
await waitForRunning(source, ns, ['web']);
const folder = await volumeFolderOf(source, ns, 'www');
writeFileSync(join(folder, 'index.html'), 'written by ferry\n');
mkdirSync(join(folder, 'deep'), { recursive: true });
writeFileSync(join(folder, 'deep', 'x.txt'), 'x'.repeat(5000));
const spec = parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: 'fb1' }, spec: { backupType: 'AppAndPvBackup', includedNamespaces: [ns] } }, 'b.yaml');
const b = await runBackup(spec, { store: stackStore(), layout, cluster: source, clock: () => new Date(), volumeMover: stackMover(source, layout, 'static-passw0rd') });
console.log(b.phase, JSON.stringify(b.results), Object.keys(b.files));
