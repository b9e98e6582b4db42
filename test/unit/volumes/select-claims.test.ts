import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../lib/model/object.js';
import { claimsToMove, consumerNodes, type MoveSpec } from '../../../lib/volumes/select-claims.js';

const ACK = 'csdr.alibabacloud.com/v1beta1';
const VELERO = 'velero.io/v1';
const claims = ['app/data', 'app/logs', 'other/db'];

function pod(namespace: string, name: string, volumes: Record<string, string>, annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, annotations },
    spec: { volumes: [...Object.entries(volumes).map(([v, c]) => ({ name: v, persistentVolumeClaim: { claimName: c } })), { name: 'cache', emptyDir: {} }] },
  };
}

const pods = [
  pod('app', 'web-0', { www: 'data', log: 'logs' }, { 'backup.velero.io/backup-volumes': 'www', 'backup.velero.io/backup-volumes-excludes': 'log' }),
  pod('other', 'db-0', { pgdata: 'db' }),
];

const spec = (apiVersion: string, backupType: string, volumeOptions: Record<string, unknown>): MoveSpec => ({ apiVersion, backupType, volumeOptions });

describe('claimsToMove', () => {
  it.each([
    ['an ACK AppAndPvBackup moves every selected claim', spec(ACK, 'AppAndPvBackup', {}), claims],
    ['an ACK AppBackup with pvBackup.defaultPvBackup moves every selected claim', spec(ACK, 'AppBackup', { pvBackup: { defaultPvBackup: true } }), claims],
    ['an ACK AppAndPvBackup with pvBackup.moveData false keeps snapshots only, except what a pod annotation names', spec(ACK, 'AppAndPvBackup', { pvBackup: { moveData: false } }), ['app/data']],
    ['an ACK AppBackup moves only the claims a pod\'s backup-volumes annotation names', spec(ACK, 'AppBackup', {}), ['app/data']],
    ['a Velero Backup without volume fields moves only annotated claims', spec(VELERO, 'AppBackup', {}), ['app/data']],
    ['Velero\'s snapshotMoveData moves every selected claim', spec(VELERO, 'AppBackup', { snapshotMoveData: true }), claims],
    ['Velero\'s defaultVolumesToFsBackup moves the pods\' claims except the excluded volumes', spec(VELERO, 'AppBackup', { defaultVolumesToFsBackup: true }), ['app/data', 'other/db']],
    ['Velero\'s older defaultVolumesToRestic counts as defaultVolumesToFsBackup', spec(VELERO, 'AppBackup', { defaultVolumesToRestic: true }), ['app/data', 'other/db']],
  ])('%s', (_name, s, expected) => {
    expect(claimsToMove(s, claims, pods)).toMatchObject({ claims: expected, problems: [] });
  });

  it.each([
    ['ACK\'s backup types moving by default', spec(ACK, 'AppAndPvBackup', {}), [], false],
    ['Velero\'s snapshotMoveData', spec(VELERO, 'AppBackup', { snapshotMoveData: true }), [], true],
    ['a pod annotation', spec(ACK, 'AppBackup', {}), pods, true],
  ])('calls the choice explicit or not: %s', (_name, s, somePods, explicit) => {
    expect(claimsToMove(s, claims, somePods).explicit).toBe(explicit);
  });

  it('moves no claim that the backup did not select, even when a pod annotation names it', () => {
    expect(claimsToMove(spec(VELERO, 'AppBackup', {}), ['other/db'], pods).claims).toEqual([]);
  });

  it.each([
    ['an annotation naming a volume that is not a claim', [pod('app', 'web-0', {}, { 'backup.velero.io/backup-volumes': 'cache' })],
      'Pod app/web-0: backup.velero.io/backup-volumes names volume cache, which is not a claim of the pod: not moved'],
  ])('warns about %s', (_name, somePods, problem) => {
    expect(claimsToMove(spec(VELERO, 'AppBackup', {}), claims, somePods).problems).toEqual([problem]);
  });

  it('warns about a pvBackup.moveData that is not a boolean and moves the data', () => {
    expect(claimsToMove(spec(ACK, 'AppAndPvBackup', { pvBackup: { moveData: 'no' } }), claims, [])).toEqual({
      claims, problems: ['pvBackup.moveData: expected true or false, got "no"; ignored'], explicit: false,
    });
  });
});

describe('consumerNodes', () => {
  const placed = (p: KubeObject, nodeName: string, phase: string): KubeObject => ({ ...p, spec: { ...(p.spec as object), nodeName }, status: { phase } });
  it.each([
    ['a running pod places its claims on its node', [placed(pods[0]!, 'node-a', 'Running')], { 'app/data': 'node-a', 'app/logs': 'node-a' }],
    ['a pod that is not running places nothing', [placed(pods[0]!, 'node-a', 'Succeeded')], {}],
    ['an unscheduled pod places nothing', [pods[1]!], {}],
  ])('%s', (_name, somePods, expected) => {
    expect(Object.fromEntries(consumerNodes(somePods))).toEqual(expected);
  });
});
