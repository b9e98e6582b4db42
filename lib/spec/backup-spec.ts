import { isRecord } from '../model/object.js';
import { parseSingleDocument } from './documents.js';
import { parseLabelSelector, type LabelSelector } from './label-selector.js';
import { joinPath, ProblemCollector, SpecError } from './problems.js';
import {
  describeValue, readBoolean, readObjectMetadata, readNamespaceGlobs, readResourceList, readString, readStringMap,
  rejectUnknownFields,
} from './restore-fields.js';
import { formatGoDuration, parseGoDuration, parseSchedule, type Schedule } from './schedule.js';

/** The API versions and kinds of a one-off backup. */
export const BACKUP_SPEC_TYPES: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: 'csdr.alibabacloud.com/v1beta1', kind: 'ApplicationBackup' },
  { apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup' },
  { apiVersion: 'velero.io/v1', kind: 'Backup' },
];

/** The API versions and kinds of a backup schedule. */
export const SCHEDULE_SPEC_TYPES: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: 'csdr.alibabacloud.com/v1beta1', kind: 'BackupSchedule' },
  { apiVersion: 'ferry.dev/v1', kind: 'BackupSchedule' },
  { apiVersion: 'velero.io/v1', kind: 'Schedule' },
];

/** ACK's backup types: resources only, resources and volume data, volume data only. */
export const BACKUP_TYPES = ['AppBackup', 'AppAndPvBackup', 'PvBackup'] as const;
/** One of BACKUP_TYPES. */
export type BackupType = (typeof BACKUP_TYPES)[number];

/** Velero's default time to live of a backup. */
export const DEFAULT_TTL = '720h0m0s';

/** What to back up and how long to keep it: the part a Backup and a Schedule's template share. */
export interface BackupTemplate {
  includedNamespaces: string[];
  excludedNamespaces: string[];
  includedResources: string[];
  excludedResources: string[];
  /** true: every cluster-scoped object; false: none; undefined: Velero's "auto" (see lib/backup/select.ts). */
  includeClusterResources?: boolean;
  labelSelector?: LabelSelector;
  orLabelSelectors?: LabelSelector[];
  /** The TTL in Go's form (`720h0m0s`). */
  ttl: string;
  ttlMs: number;
  storageLocation?: string;
  backupType: BackupType;
  /** Ferry: the cluster (by its name in the config) to back up. */
  sourceCluster?: string;
  /** Labels the backup object gets (Velero's `spec.metadata.labels`). */
  labels: Record<string, string>;
  /** Volume settings (pvBackup, snapshotVolumes, ...), kept as written for the volume issue and velero-backup.json. */
  volumeOptions: Record<string, unknown>;
  /** Velero backup hooks, kept as written: Ferry does not run them. */
  hooks?: Record<string, unknown>;
}

/** A validated ApplicationBackup or Velero Backup. */
export interface BackupSpec extends BackupTemplate {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** The schedule this backup was made from, when it was. */
  scheduleName?: string;
}

/** A validated BackupSchedule or Velero Schedule. */
export interface BackupScheduleSpec {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  schedule: Schedule;
  /** The schedule as written. */
  scheduleText: string;
  paused: boolean;
  template: BackupTemplate;
  useOwnerReferencesInBackup?: boolean;
  skipImmediately?: boolean;
}

/** One parsed backup document: a backup to take now, or a schedule. */
export type BackupDocument = { type: 'backup'; backup: BackupSpec } | { type: 'schedule'; schedule: BackupScheduleSpec };

const TOP_LEVEL = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];
/** Velero and ACK fields about volumes: recorded, acted on by the volume issue. */
const VOLUME_FIELDS = ['pvBackup', 'snapshotVolumes', 'defaultVolumesToRestic', 'defaultVolumesToFsBackup',
  'volumeSnapshotLocations', 'snapshotMoveData', 'datamover', 'csiSnapshotTimeout', 'itemOperationTimeout',
  'uploaderConfig', 'resourcePolicy'];
const TEMPLATE_FIELDS = ['includedNamespaces', 'excludedNamespaces', 'includedResources', 'excludedResources',
  'includeClusterResources', 'labelSelector', 'orLabelSelectors', 'ttl', 'storageLocation', 'backupType',
  'sourceCluster', 'metadata', 'hooks', 'orderedResources', ...VOLUME_FIELDS];
/** Velero's newer scoped filters: refused with a clear message rather than silently ignored. */
const UNSUPPORTED_FIELDS = ['includedClusterScopedResources', 'excludedClusterScopedResources',
  'includedNamespaceScopedResources', 'excludedNamespaceScopedResources'];
const SCHEDULE_FIELDS = ['schedule', 'paused', 'useOwnerReferencesInBackup', 'skipImmediately'];

/** Validates one parsed document as a backup or a schedule; throws a SpecError naming every problem. */
export function parseBackupDocument(doc: unknown, label: string): BackupDocument {
  const problems = new ProblemCollector(label);
  const result = readDocument(doc, problems);
  problems.throwIfAny();
  return result!;
}

/** Validates one parsed document as an ApplicationBackup or Velero Backup; throws SpecError. */
export function parseBackupSpec(doc: unknown, label: string): BackupSpec {
  const parsed = parseBackupDocument(doc, label);
  if (parsed.type !== 'backup') {
    throw new SpecError([{ document: label, path: 'kind', message: `expected a backup (${typeNames(BACKUP_SPEC_TYPES)}), got a schedule` }]);
  }
  return parsed.backup;
}

/** Parses a YAML or JSON text holding exactly one backup or schedule; problems carry line and column. */
export function parseBackupDocumentText(text: string, source: string): BackupDocument {
  return parseSingleDocument(text, source, 'backup or schedule', parseBackupDocument);
}

/** The backup a schedule takes at `at`: named `<schedule>-<YYYYMMDDHHMMSS>` by the caller, labelled as Velero labels it. */
export function backupFromSchedule(schedule: BackupScheduleSpec, name: string): BackupSpec {
  return {
    ...schedule.template,
    labels: { ...schedule.template.labels, 'velero.io/schedule-name': schedule.name },
    apiVersion: schedule.apiVersion, kind: backupKindFor(schedule.kind), name, namespace: schedule.namespace,
    scheduleName: schedule.name,
  };
}

function backupKindFor(scheduleKind: string): string {
  return scheduleKind === 'Schedule' ? 'Backup' : 'ApplicationBackup';
}

function readDocument(doc: unknown, problems: ProblemCollector): BackupDocument | undefined {
  if (!isRecord(doc)) {
    problems.add('', `expected a backup or schedule object, got ${describeValue(doc)}`);
    return undefined;
  }
  rejectUnknownFields(doc, TOP_LEVEL, '', problems);
  const isType = (t: { apiVersion: string; kind: string }) => t.apiVersion === doc.apiVersion && t.kind === doc.kind;
  const isBackup = BACKUP_SPEC_TYPES.some(isType);
  const isSchedule = SCHEDULE_SPEC_TYPES.some(isType);
  if (!isBackup && !isSchedule) {
    problems.add(doc.apiVersion === undefined ? 'apiVersion' : 'kind',
      `expected one of ${typeNames([...BACKUP_SPEC_TYPES, ...SCHEDULE_SPEC_TYPES])}; got ${describeValue(doc.apiVersion)} ${describeValue(doc.kind)}`);
  }
  const meta = readObjectMetadata(doc.metadata, problems, 'the backup needs a name (it names its folder in the bucket)');
  const raw = doc.spec;
  if (!isRecord(raw)) {
    problems.add('spec', `expected an object, got ${describeValue(raw)}`);
    return undefined;
  }
  const head = { apiVersion: String(doc.apiVersion), kind: String(doc.kind), name: meta.name ?? '', ...(meta.namespace ? { namespace: meta.namespace } : {}) };
  if (!isSchedule) {
    rejectUnknownFields(raw, [...TEMPLATE_FIELDS, ...UNSUPPORTED_FIELDS], 'spec', problems);
    return { type: 'backup', backup: { ...head, ...readTemplate(raw, 'spec', problems) } };
  }
  // Velero's Schedule wraps the backup in `template`; ACK's and Ferry's may write it flat or in `template`.
  const velero = doc.apiVersion === 'velero.io/v1';
  const flatFields = Object.keys(raw).filter((k) => TEMPLATE_FIELDS.includes(k) || UNSUPPORTED_FIELDS.includes(k));
  rejectUnknownFields(raw, [...SCHEDULE_FIELDS, 'template', ...(velero ? [] : [...TEMPLATE_FIELDS, ...UNSUPPORTED_FIELDS])], 'spec', problems);
  let template: BackupTemplate;
  if (raw.template !== undefined) {
    if (flatFields.length > 0 && !velero) problems.add(joinPath('spec', flatFields[0]!), 'write the backup fields either in spec.template or directly in spec, not both');
    if (!isRecord(raw.template)) problems.add('spec.template', `expected a backup spec object, got ${describeValue(raw.template)}`);
    const t = isRecord(raw.template) ? raw.template : {};
    rejectUnknownFields(t, [...TEMPLATE_FIELDS, ...UNSUPPORTED_FIELDS], 'spec.template', problems);
    template = readTemplate(t, 'spec.template', problems);
  } else {
    if (velero) problems.add('spec.template', 'required: a Velero Schedule holds its backup spec in spec.template');
    template = readTemplate(raw, 'spec', problems);
  }
  const scheduleText = readString(raw.schedule, 'spec.schedule', problems);
  if (raw.schedule === undefined) problems.add('spec.schedule', 'required: a cron expression ("0 4 * * *"), a rate ("rate(6 hours)") or an interval ("6h30m")');
  const parsed = scheduleText === undefined ? undefined : parseSchedule(scheduleText);
  if (parsed && 'problem' in parsed) problems.add('spec.schedule', parsed.problem);
  const useOwnerReferencesInBackup = readBoolean(raw.useOwnerReferencesInBackup, 'spec.useOwnerReferencesInBackup', problems);
  const skipImmediately = readBoolean(raw.skipImmediately, 'spec.skipImmediately', problems);
  return {
    type: 'schedule',
    schedule: {
      ...head, schedule: parsed && !('problem' in parsed) ? parsed : { kind: 'cron', expression: '' }, scheduleText: scheduleText ?? '',
      paused: readBoolean(raw.paused, 'spec.paused', problems) ?? false, template,
      ...(useOwnerReferencesInBackup !== undefined ? { useOwnerReferencesInBackup } : {}),
      ...(skipImmediately !== undefined ? { skipImmediately } : {}),
    },
  };
}

function readTemplate(raw: Record<string, unknown>, base: string, problems: ProblemCollector): BackupTemplate {
  const at = (field: string): string => joinPath(base, field);
  const list = (field: string, read: typeof readResourceList): string[] => read(raw[field], at(field), problems) ?? [];
  for (const field of UNSUPPORTED_FIELDS) {
    if (raw[field] !== undefined) problems.add(at(field), 'not supported by Ferry yet: use includedResources, excludedResources and includeClusterResources');
  }
  const includeClusterResources = readBoolean(raw.includeClusterResources, at('includeClusterResources'), problems);
  const labelSelector = parseLabelSelector(raw.labelSelector, at('labelSelector'), problems);
  const orLabelSelectors = readSelectors(raw.orLabelSelectors, at('orLabelSelectors'), problems);
  const storageLocation = readString(raw.storageLocation, at('storageLocation'), problems);
  const sourceCluster = readString(raw.sourceCluster, at('sourceCluster'), problems);
  const hooks = readObject(raw.hooks, at('hooks'), problems);
  const template: BackupTemplate = {
    includedNamespaces: list('includedNamespaces', readNamespaceGlobs),
    excludedNamespaces: list('excludedNamespaces', readNamespaceGlobs),
    includedResources: list('includedResources', readResourceList),
    excludedResources: list('excludedResources', readResourceList),
    ...(includeClusterResources !== undefined ? { includeClusterResources } : {}),
    ...(labelSelector ? { labelSelector } : {}),
    ...(orLabelSelectors ? { orLabelSelectors } : {}),
    ...readTtl(raw.ttl, at('ttl'), problems),
    ...(storageLocation ? { storageLocation } : {}),
    backupType: readBackupType(raw.backupType, at('backupType'), problems),
    ...(sourceCluster ? { sourceCluster } : {}),
    labels: readBackupLabels(raw.metadata, at('metadata'), problems),
    volumeOptions: Object.fromEntries(VOLUME_FIELDS.filter((f) => raw[f] !== undefined && raw[f] !== null).map((f) => [f, raw[f]])),
    ...(hooks ? { hooks } : {}),
  };
  checkVolumeOptions(raw, base, problems);
  if (raw.orderedResources !== undefined && !isRecord(raw.orderedResources)) {
    problems.add(at('orderedResources'), `expected a map of resources to "ns/name" lists, got ${describeValue(raw.orderedResources)}`);
  }
  checkCrossField(template, raw, base, problems);
  return template;
}

function readTtl(value: unknown, path: string, problems: ProblemCollector): { ttl: string; ttlMs: number } {
  const fallback = { ttl: DEFAULT_TTL, ttlMs: parseGoDuration(DEFAULT_TTL)! };
  const text = readString(value, path, problems);
  if (text === undefined) return fallback;
  const ms = parseGoDuration(text);
  if (ms === undefined) {
    problems.add(path, `expected a duration such as "720h0m0s", "72h" or "1h30m", got ${JSON.stringify(text)}`);
    return fallback;
  }
  if (ms < 0) {
    problems.add(path, `expected a positive duration, got ${JSON.stringify(text)}`);
    return fallback;
  }
  // NOTE: Velero treats a zero TTL as "use the default", not as "expire at once".
  return ms === 0 ? fallback : { ttl: formatGoDuration(ms), ttlMs: ms };
}

function readBackupType(value: unknown, path: string, problems: ProblemCollector): BackupType {
  if (value === undefined || value === null) return 'AppBackup';
  if (!BACKUP_TYPES.includes(value as BackupType)) {
    problems.add(path, `expected one of ${BACKUP_TYPES.join(', ')}, got ${describeValue(value)}`);
    return 'AppBackup';
  }
  return value as BackupType;
}

function readBackupLabels(value: unknown, path: string, problems: ProblemCollector): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    problems.add(path, `expected an object with labels, got ${describeValue(value)}`);
    return {};
  }
  rejectUnknownFields(value, ['labels'], path, problems);
  return readStringMap(value.labels, joinPath(path, 'labels'), problems, { allowEmptyValue: true }) ?? {};
}

function readSelectors(value: unknown, path: string, problems: ProblemCollector): LabelSelector[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    problems.add(path, `expected a list of label selectors, got ${describeValue(value)}`);
    return undefined;
  }
  return value.flatMap((entry, i) => parseLabelSelector(entry, joinPath(path, i), problems) ?? []);
}

function readObject(value: unknown, path: string, problems: ProblemCollector): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    problems.add(path, `expected an object, got ${describeValue(value)}`);
    return undefined;
  }
  return value;
}

function checkVolumeOptions(raw: Record<string, unknown>, base: string, problems: ProblemCollector): void {
  for (const field of ['snapshotVolumes', 'defaultVolumesToRestic', 'defaultVolumesToFsBackup', 'snapshotMoveData']) {
    readBoolean(raw[field], joinPath(base, field), problems);
  }
  if (raw.pvBackup !== undefined && raw.pvBackup !== null && !isRecord(raw.pvBackup)) {
    problems.add(joinPath(base, 'pvBackup'), `expected an object such as {defaultPvBackup: true}, got ${describeValue(raw.pvBackup)}`);
  } else if (isRecord(raw.pvBackup)) {
    readBoolean(raw.pvBackup.defaultPvBackup, joinPath(base, 'pvBackup', 'defaultPvBackup'), problems);
  }
  for (const field of ['csiSnapshotTimeout', 'itemOperationTimeout']) {
    const text = readString(raw[field], joinPath(base, field), problems);
    if (text !== undefined && parseGoDuration(text) === undefined) problems.add(joinPath(base, field), `expected a duration such as "10m", got ${JSON.stringify(text)}`);
  }
}

function checkCrossField(t: BackupTemplate, raw: Record<string, unknown>, base: string, problems: ProblemCollector): void {
  checkIncludesExcludes(t.includedNamespaces, t.excludedNamespaces, base, 'Namespaces', problems);
  checkIncludesExcludes(t.includedResources, t.excludedResources, base, 'Resources', problems);
  if (raw.labelSelector != null && raw.orLabelSelectors != null) {
    problems.add(joinPath(base, 'orLabelSelectors'), 'give either labelSelector or orLabelSelectors, not both');
  }
  if (t.orLabelSelectors?.length === 0 && Array.isArray(raw.orLabelSelectors) && raw.orLabelSelectors.length === 0) {
    problems.add(joinPath(base, 'orLabelSelectors'), 'expected at least one selector (leave the field out to select every object)');
  }
}

/** Velero's rules for an include/exclude pair: `*` alone, never excluded, and no entry in both lists. */
function checkIncludesExcludes(included: string[], excluded: string[], base: string, word: string, problems: ProblemCollector): void {
  if (included.length > 1 && included.includes('*')) problems.add(joinPath(base, `included${word}`), 'give either "*" alone or a list of names');
  excluded.forEach((entry, i) => {
    if (entry === '*') problems.add(joinPath(base, `excluded${word}`, i), '"*" cannot be excluded');
    else if (included.includes(entry)) problems.add(joinPath(base, `excluded${word}`, i), `"${entry}" is both included and excluded`);
  });
}

function typeNames(types: readonly { apiVersion: string; kind: string }[]): string {
  return types.map((t) => `${t.apiVersion} ${t.kind}`).join(', ');
}
