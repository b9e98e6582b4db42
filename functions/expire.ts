/**
 * The `expire` function, run on a schedule: deletes the backups past their expiration in every storage location
 * (or the ones the event names), then their catalog entries. `{"dryRun": true}` as the schedule's input (or in
 * an EventBridge event's detail) only lists what would be deleted. Invoked with a delete request (ACK's
 * `DeleteRequest` or Velero's `DeleteBackupRequest`, as the event or as `{"deleteRequest": ...}`), it deletes that
 * one backup, as `ferry backups delete` does. A backup with volume data has its kopia snapshots deleted first, by the
 * kopia binary shipped in the function's artifact (see lib/volumes/expire-volume-data.ts).
 */
import { deleteBackup, type RemoveOutcome } from '../lib/catalog/delete-backup.js';
import { BackupInUseError, NoSuchBackupError } from '../lib/catalog/errors.js';
import { expireBackups, type ExpireReport } from '../lib/catalog/expire.js';
import { parseDeleteRequest, type DeleteRequest } from '../lib/spec/delete-request.js';
import type { Log } from '../lib/catalog/types.js';
import type { VolumeDataExpirer } from '../lib/catalog/volume-data-expiry.js';
import { isRecord } from '../lib/model/object.js';
import { BucketLayout } from '../lib/store/layout.js';
import type { ObjectStore } from '../lib/store/object-store.js';
import type { KopiaRunner } from '../lib/volumes/kopia-runner.js';
import { kopiaFromEnv, openVolumeDataExpiry } from '../lib/volumes/open-expiry.js';
import type { Runtime } from './compose.js';
import { expireMeasure, type FunctionMeasure } from './metrics.js';
import { ferryHandler } from './middleware/index.js';

/** What an expiry run is asked to do. */
export interface ExpireRequest {
  dryRun: boolean;
  /** Storage location names; every configured location when undefined. */
  locations?: string[];
}

/** A location expiry may clean: opened only when it runs. */
export interface ExpireLocation {
  name: string;
  /** Locations with the same bucket and prefix are one place: it is cleaned once. */
  place: string;
  open(): { store: ObjectStore; layout: BucketLayout; volumeData?: VolumeDataExpirer };
}

/** What the core needs. */
export interface ExpireHandlerDeps {
  locations: ExpireLocation[];
  now: () => Date;
  log: Log;
}

/** Thrown after a run in which some backups could not be deleted for another reason than protection. */
export class ExpireRunError extends Error {
  override name = 'ExpireRunError';
  constructor(readonly response: ExpireResponse) {
    const failed = response.locations.flatMap((l) => l.report.actions.filter((a) => a.action === 'failed').map((a) => `${l.location}/${a.backup}: ${a.reason}`));
    super(`expiry failed for ${failed.join('; ')}`);
  }
}

/** The answer: one report per location. */
export interface ExpireResponse {
  dryRun: boolean;
  locations: { location: string; report: ExpireReport }[];
}

/** The answer to a delete request. */
export interface DeleteResponse extends RemoveOutcome {
  backup: string;
  location: string;
}

/** Reads a delete request (the document itself, or `{deleteRequest}`), or an expiry event. */
export function parseExpireOrDeleteEvent(event: Record<string, unknown>): ExpireRequest | { delete: DeleteRequest } {
  if (event.deleteRequest !== undefined) return { delete: parseDeleteRequest(event.deleteRequest, 'deleteRequest') };
  if (event.kind === 'DeleteRequest' || event.kind === 'DeleteBackupRequest') return { delete: parseDeleteRequest(event, String(event.kind)) };
  return parseExpireEvent(event);
}

/** Deletes the backup a request names in its location (the config's default when it names none). */
export async function deleteHandlerCore(request: DeleteRequest, deps: ExpireHandlerDeps & { defaultLocation: string }): Promise<DeleteResponse> {
  const name = request.storageLocation ?? deps.defaultLocation;
  const location = deps.locations.find((l) => l.name === name);
  if (!location) throw new Error(`unknown storage location ${name} (known: ${deps.locations.map((l) => l.name).join(', ')})`);
  const { store, layout, volumeData } = location.open();
  const outcome = await deleteBackup(request.backup, { store, layout, now: deps.now, log: deps.log }, { force: request.force, ...(volumeData ? { volumeData } : {}) }).catch((err: unknown) => {
    if (err instanceof NoSuchBackupError) throw new NoSuchBackupError(err.backup, `storage location ${name}`, { cause: err });
    if (err instanceof BackupInUseError) throw new BackupInUseError(err.backup, err.why, { cause: err, force: '"force": true in the request\'s spec' });
    throw err;
  });
  deps.log.info(`${name}/${request.backup}: ${outcome.action}`, { keys: outcome.keys.length, protected: outcome.protected });
  return { backup: request.backup, location: name, ...outcome };
}

/** Reads a schedule event (EventBridge, input in `detail`) or a plain payload `{dryRun?, locations?}`. */
export function parseExpireEvent(event: Record<string, unknown>): ExpireRequest {
  const input = event.source === 'aws.events' && isRecord(event.detail) ? event.detail : event;
  if (input.dryRun !== undefined && typeof input.dryRun !== 'boolean') throw new Error(`dryRun: expected true or false, got ${JSON.stringify(input.dryRun)}`);
  const locations = input.locations;
  if (locations !== undefined && (!Array.isArray(locations) || !locations.every((l) => typeof l === 'string'))) {
    throw new Error('locations: expected a list of storage location names');
  }
  return { dryRun: input.dryRun === true, ...(locations ? { locations: locations as string[] } : {}) };
}

/** The core: expires every location asked for, each place once. */
export async function expireHandlerCore(request: ExpireRequest, deps: ExpireHandlerDeps): Promise<ExpireResponse> {
  const known = new Map(deps.locations.map((l) => [l.name, l]));
  const unknown = (request.locations ?? []).filter((n) => !known.has(n));
  if (unknown.length) throw new Error(`unknown storage locations: ${unknown.join(', ')} (known: ${[...known.keys()].join(', ')})`);
  const chosen = request.locations ? request.locations.map((n) => known.get(n)!) : deps.locations;
  const response: ExpireResponse = { dryRun: request.dryRun, locations: [] };
  const done = new Set<string>();
  for (const location of chosen) {
    if (done.has(location.place)) continue;
    done.add(location.place);
    const { store, layout, volumeData } = location.open();
    const report = await expireBackups({ store, layout, now: deps.now, log: deps.log }, { dryRun: request.dryRun, ...(volumeData ? { volumeData } : {}) });
    for (const a of report.actions) {
      deps.log.info(`${location.name}/${a.backup}: ${a.action}${a.reason ? ` (${a.reason})` : ''}`, { keys: a.keys.length, protected: a.protected });
    }
    response.locations.push({ location: location.name, report });
  }
  if (response.locations.some((l) => l.report.actions.some((a) => a.action === 'failed'))) throw new ExpireRunError(response);
  return response;
}

/** The locations of a runtime's config; `kopia` runs for those with volume data (looked for when first needed). */
export function runtimeExpireLocations(runtime: Runtime, kopia: () => KopiaRunner = processKopia): ExpireLocation[] {
  return Object.entries(runtime.config.storageLocations).map(([name, l]) => ({
    name, place: `${l.endpoint ?? ''} ${l.bucket} ${new BucketLayout(l.prefix).backupsPrefix()}`,
    open: () => {
      const opened = runtime.openStore(name);
      const volumeData = l.volumeData ? openVolumeDataExpiry({ location: l, layout: opened.layout, store: opened.store, now: runtime.clock, kopia: kopia() }) : undefined;
      return { store: opened.store, layout: opened.layout, ...(volumeData ? { volumeData } : {}) };
    },
  }));
}

/** The process's kopia (see kopiaFromEnv). */
function processKopia(): KopiaRunner {
  return kopiaFromEnv(process.env);
}

/** Expiry's metrics for an expiry run; a delete request counts its outcome as an expiry action would. */
const expireOrDeleteMeasure: FunctionMeasure<ExpireResponse | DeleteResponse> = {
  result(response, metrics) {
    expireMeasure.result('locations' in response ? response
      : { dryRun: false, locations: [{ location: response.location, report: { dryRun: false, now: '', kept: 0, settled: [], abortedUploads: [], actions: [{ ...response, action: response.action }] } }] }, metrics);
  },
  error: expireMeasure.error,
};

/** Builds the handler over a runtime (the process's by default). */
export function createExpireHandler(runtime?: Runtime) {
  return ferryHandler({ name: 'expire', what: 'expire or delete request', parse: parseExpireOrDeleteEvent, measure: expireOrDeleteMeasure, ...(runtime ? { runtime } : {}) },
    (request, rt): Promise<ExpireResponse | DeleteResponse> => {
      const deps = { locations: runtimeExpireLocations(rt), now: rt.clock, log: rt.log };
      return 'delete' in request ? deleteHandlerCore(request.delete, { ...deps, defaultLocation: rt.config.defaultStorageLocation }) : expireHandlerCore(request, deps);
    });
}

/** The Lambda entry point. */
export const handler = createExpireHandler();
