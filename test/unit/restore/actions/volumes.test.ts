import { describe, expect, it } from 'vitest';
import { persistentVolumeAction, persistentVolumeClaimAction, serviceAccountAction } from '../../../../lib/restore/actions/volumes.js';
import { cloneJson } from '../../../../lib/model/object.js';
import { contextWith, obj } from '../fixtures.js';

describe('volume and service-account actions', () => {
  it('removes the bind and selected-node annotations of a claim and keeps the others', () => {
    const copy = cloneJson(obj('v1', 'PersistentVolumeClaim', 'www-web-0', 'default', { spec: { volumeName: 'pv-1' } }, {
      annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes',
        'volume.kubernetes.io/selected-node': 'idc-node-1', team: 'web' },
    }));
    persistentVolumeClaimAction.run(copy, contextWith());
    expect(copy.metadata.annotations).toEqual({ team: 'web' });
    expect(copy.spec).toEqual({ volumeName: 'pv-1' });
  });

  it('drops the annotations map of a claim when only bind annotations were in it', () => {
    const copy = cloneJson(obj('v1', 'PersistentVolumeClaim', 'c', 'default', {}, { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } }));
    persistentVolumeClaimAction.run(copy, contextWith());
    expect(copy.metadata).not.toHaveProperty('annotations');
  });

  it('removes the uid and resourceVersion of a volume\'s claimRef and keeps namespace and name', () => {
    const copy = cloneJson(obj('v1', 'PersistentVolume', 'pv-1', undefined, {
      spec: { claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'www-web-0', uid: 'u', resourceVersion: '9' } },
    }));
    persistentVolumeAction.run(copy, contextWith());
    expect(copy.spec).toEqual({ claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'www-web-0' } });
  });

  it('removes a service account\'s references to its generated token secrets only', () => {
    const copy = cloneJson(obj('v1', 'ServiceAccount', 'app', 'default', { secrets: [{ name: 'app-token-x7k2p' }, { name: 'registry-creds' }] }));
    serviceAccountAction.run(copy, contextWith());
    expect(copy.secrets).toEqual([{ name: 'registry-creds' }]);
  });
});
