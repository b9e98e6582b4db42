/**
 * Velero's file-system backup records (`<backup>-podvolumebackups.json.gz`: the backup's PodVolumeBackups) read as
 * Ferry's volume-data entries, so that a Ferry restore fills claims from a Velero fs-backup. Velero's kopia uploader
 * keeps a repository per namespace under `<prefix>/kopia/<namespace>/`, the layout Ferry's movers use, and records
 * the kopia snapshot's manifest ID as `status.snapshotID`; the mover restores it by that ID. Only claims are filled:
 * a PodVolumeBackup of a pod's emptyDir (no `velero.io/pvc-name` annotation) is reported, not restored. The file is
 * untrusted: every field used is checked, and an unusable record is a problem naming its index and field.
 */
import { isRecord } from '../model/object.js';
import { readJsonObject } from '../store/bounded-read.js';
import { BucketDataError, NotFoundError } from '../store/errors.js';
import { backupFileName, isValidName, type BucketLayout } from '../store/layout.js';
import type { ObjectStore } from '../store/object-store.js';
import { repositoryOf, type VolumeDataEntry } from './volume-data-record.js';

/** The annotation Velero puts on a PodVolumeBackup of a claim's volume: the claim's name. */
export const VELERO_PVC_NAME_ANNOTATION = 'velero.io/pvc-name';

/** What the records give: entries to fill, problems (unusable records) and notes (records with nothing to fill). */
export interface PodVolumeReading {
  volumes: VolumeDataEntry[];
  problems: string[];
  notes: string[];
}

/** Reads the parsed JSON of a PodVolumeBackup list (Velero writes a JSON array). */
export function readPodVolumeBackups(list: unknown, file: string): PodVolumeReading {
  const reading: PodVolumeReading = { volumes: [], problems: [], notes: [] };
  if (!Array.isArray(list)) return { ...reading, problems: [`${file}: expected a JSON array of PodVolumeBackups`] };
  const seen = new Set<string>();
  list.forEach((raw: unknown, i) => {
    const at = `${file} [${i}]`;
    const read = readOne(raw, at);
    if ('problem' in read) return void reading.problems.push(read.problem);
    if ('note' in read) return void reading.notes.push(read.note);
    const key = `${read.entry.namespace}/${read.entry.claim}`;
    // NOTE: pods sharing a claim (ReadWriteMany) each get a PodVolumeBackup of the same data; one fill is enough.
    if (seen.has(key)) return void reading.notes.push(`${at}: claim ${key} has an earlier PodVolumeBackup in the list: that one fills it`);
    seen.add(key);
    reading.volumes.push(read.entry);
  });
  return reading;
}

type OneReading = { entry: VolumeDataEntry } | { problem: string } | { note: string };

function readOne(raw: unknown, at: string): OneReading {
  if (!isRecord(raw) || !isRecord(raw.spec) || !isRecord(raw.spec.pod)) return { problem: `${at}: expected a PodVolumeBackup with spec.pod` };
  const { spec } = raw;
  const pod = spec.pod as Record<string, unknown>;
  const status = isRecord(raw.status) ? raw.status : {};
  const metadata = isRecord(raw.metadata) ? raw.metadata : {};
  const namespace = pod.namespace;
  if (typeof namespace !== 'string' || !isValidName(namespace)) return { problem: `${at}.spec.pod.namespace: expected a Kubernetes name, got ${JSON.stringify(namespace)}` };
  const volume = `volume ${JSON.stringify(spec.volume)} of pod ${namespace}/${String(pod.name)}`;
  // Velero's own default for a record without an uploader type is restic.
  const uploader = spec.uploaderType === undefined || spec.uploaderType === '' ? 'restic' : spec.uploaderType;
  if (uploader !== 'kopia') return { problem: `${at}.spec.uploaderType: ${volume} was backed up by ${JSON.stringify(uploader)}; Ferry reads kopia repositories only` };
  if (status.phase !== 'Completed') return { note: `${at}: ${volume} is ${JSON.stringify(status.phase ?? '')} in Velero's backup, not Completed: nothing to fill` };
  const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
  const claim = annotations[VELERO_PVC_NAME_ANNOTATION];
  if (claim === undefined) return { note: `${at}: ${volume} is not a claim's volume (no ${VELERO_PVC_NAME_ANNOTATION} annotation): Ferry fills claims only` };
  if (typeof claim !== 'string' || !isValidName(claim)) {
    return { problem: `${at}.metadata.annotations["${VELERO_PVC_NAME_ANNOTATION}"]: expected a Kubernetes name, got ${JSON.stringify(claim)}` };
  }
  const snapshotId = status.snapshotID;
  // Velero records an empty volume without a snapshot: the restored claim stays empty, as in Velero.
  if (snapshotId === undefined || snapshotId === '') return { note: `${at}: claim ${namespace}/${claim} was empty in Velero's backup (no snapshotID): nothing to fill` };
  if (typeof snapshotId !== 'string' || !/^[0-9a-zA-Z]{1,128}$/.test(snapshotId)) {
    return { problem: `${at}.status.snapshotID: expected a kopia snapshot ID (letters and digits), got ${JSON.stringify(snapshotId)}` };
  }
  const total = isRecord(status.progress) ? status.progress.totalBytes : undefined;
  const bytes = typeof total === 'number' && Number.isInteger(total) && total >= 0 ? total : 0;
  return {
    entry: { namespace, claim, snapshotId, repository: repositoryOf(namespace), bytes, files: 0, dirs: 0, symlinks: 0, source: 'live' },
  };
}

/** Largest PodVolumeBackup list read, stored and gunzipped (each record is about 3 KB with its managedFields). */
const MAX_STORED_BYTES = 16 * 1024 * 1024;
const MAX_GUNZIPPED_BYTES = 64 * 1024 * 1024;

/** Reads a Velero backup's PodVolumeBackups from the bucket; no file is no entries, an unreadable one a problem. */
export async function loadVeleroPodVolumes(backup: string, deps: { store: ObjectStore; layout: BucketLayout }): Promise<PodVolumeReading> {
  const key = deps.layout.backupKey(backup, 'podVolumeBackups');
  const file = backupFileName(backup, 'podVolumeBackups');
  try {
    const { value } = await readJsonObject(deps.store, key, { maxBytes: MAX_STORED_BYTES, maxGunzippedBytes: MAX_GUNZIPPED_BYTES });
    return readPodVolumeBackups(value, file);
  } catch (err) {
    if (err instanceof NotFoundError) return { volumes: [], problems: [], notes: [] };
    if (err instanceof BucketDataError) return { volumes: [], problems: [`${file} cannot be read: ${err.message}`], notes: [] };
    throw err;
  }
}
