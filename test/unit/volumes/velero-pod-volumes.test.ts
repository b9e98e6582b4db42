import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BucketLayout } from '../../../lib/store/layout.js';
import { loadVolumeData } from '../../../lib/volumes/restore-volume-data.js';
import { readPodVolumeBackups } from '../../../lib/volumes/velero-pod-volumes.js';
import { MemoryStore } from '../../support/memory-store.js';

const FILE = 'vb1-podvolumebackups.json.gz';

// Shaped as Velero v1.18.1 wrote it on the local stack (managedFields left out): a claim's volume backed up by kopia.
const pvb = {
  metadata: {
    name: 'vb1-987f7', namespace: 'velero', labels: { 'velero.io/backup-name': 'vb1', 'velero.io/pvc-uid': '25c9b0cb-bc29-41d0-8ae7-b8cc740b3ec1' },
    annotations: { 'velero.io/pvc-name': 'data' },
  },
  spec: {
    node: 'source-node', pod: { kind: 'Pod', namespace: 'vdata', name: 'writer', uid: '2f732949-7a60-44a6-b8a0-1dd1d0f156f4' }, volume: 'data',
    backupStorageLocation: 'default', repoIdentifier: '', uploaderType: 'kopia', tags: { backup: 'vb1', ns: 'vdata', pod: 'writer', volume: 'data' },
  },
  status: {
    phase: 'Completed', path: '/cf87c506-1275-4cad-8720-321f71e077b0', snapshotID: 'bb144d166fcc9cce2b9e32720dbb6d9f',
    progress: { totalBytes: 23, bytesDone: 23 }, incrementalBytes: 23,
  },
};
const entry = {
  namespace: 'vdata', claim: 'data', snapshotId: 'bb144d166fcc9cce2b9e32720dbb6d9f', repository: 'kopia/vdata/', bytes: 23, files: 0, dirs: 0, symlinks: 0, source: 'live',
};

/** The record with `change` merged into one of its parts. */
function withChange(part: 'metadata' | 'spec' | 'status', change: Record<string, unknown>): unknown {
  return { ...pvb, [part]: { ...pvb[part], ...change } };
}

describe("Velero's PodVolumeBackups as volume-data entries", () => {
  it('reads a completed kopia backup of a claim as an entry of its namespace\'s repository, by its snapshot ID', () => {
    expect(readPodVolumeBackups([pvb], FILE)).toEqual({ volumes: [entry], problems: [], notes: [] });
  });

  it.each([
    ['a restic backup, whose repository Ferry cannot read', withChange('spec', { uploaderType: 'restic' }),
      `${FILE} [0].spec.uploaderType: volume "data" of pod vdata/writer was backed up by "restic"; Ferry reads kopia repositories only`],
    ['a record without an uploader type (Velero\'s default for those is restic)', withChange('spec', { uploaderType: undefined }),
      `${FILE} [0].spec.uploaderType: volume "data" of pod vdata/writer was backed up by "restic"; Ferry reads kopia repositories only`],
    ['a pod namespace that is not a Kubernetes name', withChange('spec', { pod: { ...pvb.spec.pod, namespace: '../x' } }),
      `${FILE} [0].spec.pod.namespace: expected a Kubernetes name, got "../x"`],
    ['a snapshot ID with characters kopia never uses', withChange('status', { snapshotID: 'k1; rm -rf /' }),
      `${FILE} [0].status.snapshotID: expected a kopia snapshot ID (letters and digits), got "k1; rm -rf /"`],
    ['a claim name that is not a Kubernetes name', withChange('metadata', { annotations: { 'velero.io/pvc-name': 'A/B' } }),
      `${FILE} [0].metadata.annotations["velero.io/pvc-name"]: expected a Kubernetes name, got "A/B"`],
    ['something that is not a PodVolumeBackup', { kind: 'ConfigMap' }, `${FILE} [0]: expected a PodVolumeBackup with spec.pod`],
  ])('refuses %s, naming the field', (_name, record, problem) => {
    expect(readPodVolumeBackups([record], FILE)).toEqual({ volumes: [], problems: [problem], notes: [] });
  });

  it.each([
    ['a volume Velero failed to back up', withChange('status', { phase: 'Failed', snapshotID: '' }), /is "Failed" in Velero's backup, not Completed/],
    ['an emptyDir volume (no claim annotation)', withChange('metadata', { annotations: {} }), /is not a claim's volume .* Ferry fills claims only/],
    ['an empty volume (Velero takes no snapshot of it)', withChange('status', { snapshotID: '' }), /claim vdata\/data was empty in Velero's backup/],
  ])('fills nothing for %s and says why', (_name, record, note) => {
    const reading = readPodVolumeBackups([record], FILE);
    expect(reading.volumes).toEqual([]);
    expect(reading.problems).toEqual([]);
    expect(reading.notes).toEqual([expect.stringMatching(note)]);
  });

  it('fills a claim that two pods mount from the first of its records only', () => {
    const second = { ...pvb, spec: { ...pvb.spec, pod: { ...pvb.spec.pod, name: 'reader' } }, status: { ...pvb.status, snapshotID: 'cc01' } };
    const reading = readPodVolumeBackups([pvb, second], FILE);
    expect(reading.volumes).toEqual([entry]);
    expect(reading.notes).toEqual([`${FILE} [1]: claim vdata/data has an earlier PodVolumeBackup in the list: that one fills it`]);
  });

  it('refuses a file that is not a list', () => {
    expect(readPodVolumeBackups({ items: [] }, FILE).problems).toEqual([`${FILE}: expected a JSON array of PodVolumeBackups`]);
  });
});

describe('the volume data a restore loads', () => {
  const layout = new BucketLayout('velero');

  it.each([
    ["Velero's PodVolumeBackups when the backup has no ferry-volume-data.json", gzipSync(JSON.stringify([pvb])), { volumes: [entry], problems: [], notes: [] }],
    ['a problem naming the file when it is not gzipped JSON', Buffer.from('not gzip'),
      { volumes: [], problems: [expect.stringMatching(/^vb1-podvolumebackups.json.gz cannot be read: .*is not valid gzip/)], notes: [] }],
  ])('reads %s', async (_name, bytes, expected) => {
    const store = new MemoryStore();
    await store.put(layout.backupKey('vb1', 'podVolumeBackups'), bytes);
    expect(await loadVolumeData('vb1', { store, layout })).toEqual(expected);
  });

  it("prefers Ferry's own record when a backup has both", async () => {
    const store = new MemoryStore();
    await store.put(layout.backupKey('vb1', 'podVolumeBackups'), gzipSync(JSON.stringify([pvb])));
    await store.put(layout.backupKey('vb1', 'volumeData'), JSON.stringify({ version: 1, engine: 'kopia', volumes: [], failed: [] }));
    expect(await loadVolumeData('vb1', { store, layout })).toEqual({ volumes: [], problems: [] });
  });

  it('loads nothing for a backup with neither file', async () => {
    expect(await loadVolumeData('vb1', { store: new MemoryStore(), layout })).toEqual({ volumes: [], problems: [], notes: [] });
  });
});
