import { createHash } from 'node:crypto';
import type { KubeObject } from '../../model/object.js';
import { asRecord, asString } from '../json-access.js';
import { orderForRestore } from '../ordering.js';
import type { TransformResult } from '../pipeline.js';
import { recordOfClaim } from '../stages/volume-snapshots.js';
import type { TransformContext, TransformItem } from '../types.js';
import { SNAPSHOT_GROUP, targetDriver, type VolumeRecord } from './records.js';

const API_VERSION = `${SNAPSHOT_GROUP}/v1`;
/** Labels of the claim that the snapshot objects restored for it carry too. */
const COPIED_LABELS = ['velero.io/backup-name', 'velero.io/restore-name'];

/** The restored VolumeSnapshotContent's name: the snapshot's, suffixed with a hash of the restore and namespace (cluster-unique, stable on resume). */
export function restoredContentName(restore: string, namespace: string, snapshot: string): string {
  const hash = createHash('sha256').update(`${restore}/${namespace}/${snapshot}`).digest('hex').slice(0, 10);
  return `${snapshot.slice(0, 253 - 11).replace(/[.-]+$/, '')}-${hash}`;
}

/**
 * The two objects that give a restored claim its data: a pre-provisioned VolumeSnapshotContent (the recorded
 * handle, the target driver, Retain) bound to a VolumeSnapshot of the recorded name in the claim's namespace.
 */
export function snapshotObjects(record: VolumeRecord, driver: string, namespace: string, restore: string,
  labels: Record<string, string>): { content: KubeObject; snapshot: KubeObject } {
  const contentName = restoredContentName(restore, namespace, record.snapshotName);
  const meta = Object.keys(labels).length > 0 ? { labels } : {};
  return {
    content: {
      apiVersion: API_VERSION, kind: 'VolumeSnapshotContent',
      metadata: { name: contentName, ...meta },
      spec: {
        deletionPolicy: 'Retain', driver, source: { snapshotHandle: record.handle },
        volumeSnapshotRef: { apiVersion: API_VERSION, kind: 'VolumeSnapshot', namespace, name: record.snapshotName },
      },
    },
    snapshot: {
      apiVersion: API_VERSION, kind: 'VolumeSnapshot',
      metadata: { name: record.snapshotName, namespace, ...meta },
      spec: { source: { volumeSnapshotContentName: contentName } },
    },
  };
}

/**
 * Adds the VolumeSnapshotContent and VolumeSnapshot of every transformed claim whose dataSource still names
 * its recorded snapshot (resource modifiers may have changed it), in the claim's final namespace, and orders
 * the items again. Objects already present (a Velero backup holding them) are not added twice.
 */
export function withVolumeSnapshots(result: TransformResult, context: TransformContext): TransformResult {
  if (!context.volumes || context.volumes.byClaim.size === 0) return result;
  const present = new Set(result.items.map(presenceKey));
  const added: TransformItem[] = [];
  for (const item of result.items) {
    for (const it of snapshotItemsOf(item, context)) {
      if (!present.has(presenceKey(it))) {
        present.add(presenceKey(it));
        added.push(it);
      }
    }
  }
  return added.length === 0 ? result : { ...result, items: orderForRestore([...result.items, ...added]) };
}

/**
 * The VolumeSnapshotContent and VolumeSnapshot that give one transformed claim its data (none for other
 * objects, for a claim whose dataSource no longer names its recorded snapshot, or whose driver the target lacks).
 */
export function snapshotItemsOf(item: TransformItem, context: TransformContext): TransformItem[] {
  if (!context.volumes || context.volumes.byClaim.size === 0) return [];
  const record = recordOfClaim(item, context);
  const source = asRecord(asRecord(item.object.spec)?.dataSource);
  if (!record || asString(source?.kind) !== 'VolumeSnapshot' || asString(source?.name) !== record.snapshotName) return [];
  const driver = targetDriver(record, context.volumes);
  if ('problem' in driver) return [];
  const namespace = item.object.metadata.namespace ?? record.namespace;
  const labels = Object.fromEntries(COPIED_LABELS.flatMap((k) => {
    const v = item.object.metadata.labels?.[k];
    return v === undefined ? [] : [[k, v]];
  }));
  const { content, snapshot } = snapshotObjects(record, driver.driver, namespace, context.restoreName, labels);
  return [
    { object: content, original: content, groupResource: `volumesnapshotcontents.${SNAPSHOT_GROUP}`, backupNamespace: '' },
    { object: snapshot, original: snapshot, groupResource: `volumesnapshots.${SNAPSHOT_GROUP}`, backupNamespace: record.namespace },
  ];
}

function presenceKey(it: TransformItem): string {
  return `${it.groupResource} ${it.object.metadata.namespace ?? ''}/${it.object.metadata.name ?? ''}`;
}
