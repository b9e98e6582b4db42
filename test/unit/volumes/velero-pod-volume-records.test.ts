import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../lib/model/object.js';
import { podVolumeBackupsOf } from '../../../lib/volumes/velero-pod-volume-records.js';
import { readPodVolumeBackups } from '../../../lib/volumes/velero-pod-volumes.js';
import type { VolumeDataEntry } from '../../../lib/volumes/volume-data-record.js';

const www: VolumeDataEntry = { namespace: 'shop', claim: 'www', repository: 'kopia/shop/', snapshotId: '36ef9cb889ece4fe71bf9f136d49158d', bytes: 5017, files: 2, dirs: 2, symlinks: 0, source: 'snapshot' };

function pod(name: string, volumes: unknown[], namespace = 'shop'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, uid: `uid-${name}` }, spec: { nodeName: 'source-node', volumes, containers: [] } };
}
const claimVolume = (name: string, claimName: string) => ({ name, persistentVolumeClaim: { claimName } });

describe("Velero's PodVolumeBackups for Ferry's moved volumes", () => {
  it('names the pod, its volume and the snapshot, as Velero\'s restore matches them', () => {
    const [record, ...rest] = podVolumeBackupsOf({ backup: 'fb1', location: 'default', volumes: [www], pods: [pod('web', [claimVolume('html', 'www')])] });
    expect(rest).toEqual([]);
    expect(record).toMatchObject({
      apiVersion: 'velero.io/v1', kind: 'PodVolumeBackup',
      metadata: { labels: { 'velero.io/backup-name': 'fb1' }, annotations: { 'velero.io/pvc-name': 'www' }, ownerReferences: [{ kind: 'Backup', name: 'fb1' }] },
      spec: { pod: { kind: 'Pod', namespace: 'shop', name: 'web', uid: 'uid-web' }, volume: 'html', node: 'source-node', uploaderType: 'kopia', backupStorageLocation: 'default' },
      status: { phase: 'Completed', snapshotID: www.snapshotId, progress: { totalBytes: 5017, bytesDone: 5017 } },
    });
    expect(record!.metadata.name).toMatch(/^fb1-[0-9a-f]{10}$/);
  });

  it.each([
    ['an emptyDir volume', pod('web', [{ name: 'cache', emptyDir: {} }])],
    ['a claim whose data was not moved', pod('web', [claimVolume('other', 'logs')])],
    ['a pod of another namespace mounting a claim of the same name', pod('web', [claimVolume('html', 'www')], 'elsewhere')],
  ])('writes no record for %s', (_name, p) => {
    expect(podVolumeBackupsOf({ backup: 'fb1', location: 'default', volumes: [www], pods: [p] })).toEqual([]);
  });

  it('writes one record per pod mounting a shared claim, each named apart', () => {
    const records = podVolumeBackupsOf({ backup: 'fb1', location: 'default', volumes: [www],
      pods: [pod('web-0', [claimVolume('html', 'www')]), pod('web-1', [claimVolume('html', 'www')])] });
    expect(records.map((r) => r.spec)).toMatchObject([{ pod: { name: expect.any(String) } }, { pod: { name: expect.any(String) } }]);
    expect(new Set(records.map((r) => r.metadata.name)).size).toBe(2);
  });

  it("reads back as the same entry through Ferry's own reader of Velero's records", () => {
    const records = podVolumeBackupsOf({ backup: 'fb1', location: 'default', volumes: [www], pods: [pod('web', [claimVolume('html', 'www')])] });
    expect(readPodVolumeBackups(records, 'fb1-podvolumebackups.json.gz').volumes).toEqual([{ ...www, files: 0, dirs: 0, source: 'live' }]);
  });
});
