import { describe, expect, it } from 'vitest';
import {
  backupFromSchedule, parseBackupDocument, parseBackupDocumentText, parseBackupSpec, type BackupScheduleSpec,
} from '../../../lib/spec/backup-spec.js';
import { problemsOf } from '../../support/problems.js';

// The seed article's ApplicationBackup, placeholders filled in.
const SEED_BACKUP = `apiVersion: csdr.alibabacloud.com/v1beta1
kind: ApplicationBackup
metadata:
  name: nginx-backup
  namespace: csdr
spec:
  backupType: AppAndPvBackup
  includedNamespaces:
  - default
  pvBackup:
    defaultPvBackup: true
  storageLocation: vault-oss
  ttl: 720h0m0s
`;

function backup(spec: Record<string, unknown>, apiVersion = 'ferry.dev/v1', kind = 'ApplicationBackup'): unknown {
  return { apiVersion, kind, metadata: { name: 'b1' }, spec };
}

describe('parseBackupDocumentText', () => {
  it('accepts the seed ApplicationBackup as it is and records its backup type and volume settings', () => {
    const parsed = parseBackupDocumentText(SEED_BACKUP, 'backup.yaml');
    expect(parsed.type).toBe('backup');
    expect(parsed.type === 'backup' && parsed.backup).toEqual({
      apiVersion: 'csdr.alibabacloud.com/v1beta1', kind: 'ApplicationBackup', name: 'nginx-backup', namespace: 'csdr',
      includedNamespaces: ['default'], excludedNamespaces: [], includedResources: [], excludedResources: [],
      ttl: '720h0m0s', ttlMs: 720 * 3_600_000, storageLocation: 'vault-oss', backupType: 'AppAndPvBackup',
      labels: {}, volumeOptions: { pvBackup: { defaultPvBackup: true } },
    });
  });

  it('reports every problem of a document at once, each with its line and column', () => {
    const text = SEED_BACKUP.replace('AppAndPvBackup', 'FullBackup').replace('720h0m0s', '30 days').replace('- default', '- "[unclosed"');
    const problems = problemsOf(() => parseBackupDocumentText(text, 'backup.yaml'));
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['spec.includedNamespaces[0]', 9],
      ['spec.ttl', 13],
      ['spec.backupType', 7],
    ]);
  });

  it('finds the line of a problem under a label key that holds dots and slashes', () => {
    const text = `${SEED_BACKUP}  labelSelector:\n    matchLabels:\n      app.kubernetes.io/name: 7\n`;
    const [problem] = problemsOf(() => parseBackupDocumentText(text, 'b.yaml'));
    expect(problem).toMatchObject({ path: 'spec.labelSelector.matchLabels.app.kubernetes.io/name', line: 16 });
  });

  it('refuses a file with two documents', () => {
    const problems = problemsOf(() => parseBackupDocumentText(`${SEED_BACKUP}---\n${SEED_BACKUP}`, 'two.yaml'));
    expect(problems[0]!.message).toMatch(/exactly one/);
  });
});

describe('parseBackupSpec', () => {
  it('gives an empty spec Velero\'s defaults: everything, 720h, resources only, cluster resources on auto', () => {
    const spec = parseBackupSpec(backup({}), 'doc');
    expect(spec).toMatchObject({ includedNamespaces: [], excludedNamespaces: [], ttl: '720h0m0s', backupType: 'AppBackup' });
    expect(spec.includeClusterResources).toBeUndefined();
  });

  it.each([
    ['a Velero Backup with its volume and hook fields', backup({
      includedNamespaces: ['*'], snapshotVolumes: false, defaultVolumesToFsBackup: true, hooks: { resources: [] },
      storageLocation: 'default', volumeSnapshotLocations: ['aws'], csiSnapshotTimeout: '10m', metadata: { labels: { team: 'a' } },
    }, 'velero.io/v1', 'Backup')],
    ['a ferry.dev ApplicationBackup with every selection field', backup({
      includedNamespaces: ['team-*', 'default'], excludedNamespaces: ['team-tmp'], includedResources: ['deployments', 'configmaps', 'widgets.example.com'],
      excludedResources: ['secrets'], includeClusterResources: true,
      labelSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'DoesNotExist' }] },
      ttl: '72h', backupType: 'AppBackup', sourceCluster: 'idc',
    })],
    ['a backup that selects with orLabelSelectors', backup({ orLabelSelectors: [{ matchLabels: { app: 'a' } }, { matchExpressions: [{ key: 'b', operator: 'Exists' }] }] })],
    ['a PvBackup', backup({ backupType: 'PvBackup' }, 'csdr.alibabacloud.com/v1beta1')],
  ])('accepts %s', (_name, doc) => {
    expect(() => parseBackupSpec(doc, 'doc')).not.toThrow();
  });

  it('normalises the TTL to Go\'s form and computes it in milliseconds', () => {
    expect(parseBackupSpec(backup({ ttl: '36h' }), 'doc')).toMatchObject({ ttl: '36h0m0s', ttlMs: 36 * 3_600_000 });
  });

  it('treats a zero TTL as the default, as Velero does', () => {
    expect(parseBackupSpec(backup({ ttl: '0s' }), 'doc')).toMatchObject({ ttl: '720h0m0s' });
  });

  it.each([
    ['an unknown spec field is reported with its path', backup({ includeNamespaces: ['a'] }), 'spec.includeNamespaces', /unknown field/],
    ['a missing name', { apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: {}, spec: {} }, 'metadata.name', /required/],
    ['a name with capitals', { apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: 'Nightly' }, spec: {} }, 'metadata.name', /lowercase/],
    ['an unknown kind', { apiVersion: 'ferry.dev/v1', kind: 'Backup', metadata: { name: 'a' }, spec: {} }, 'kind', /expected one of/],
    ['a missing spec', { apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: 'a' } }, 'spec', /expected an object/],
    ['a bad namespace glob', backup({ includedNamespaces: ['team-[a'] }), 'spec.includedNamespaces[0]', /namespace pattern/],
    ['a resource written with a slash', backup({ includedResources: ['apps/deployments'] }), 'spec.includedResources[0]', /deployments\.apps/],
    ['"*" next to other resources', backup({ includedResources: ['*', 'pods'] }), 'spec.includedResources', /"\*" alone/],
    ['an excluded "*"', backup({ excludedNamespaces: ['*'] }), 'spec.excludedNamespaces[0]', /cannot be excluded/],
    ['a namespace both included and excluded', backup({ includedNamespaces: ['a'], excludedNamespaces: ['a'] }), 'spec.excludedNamespaces[0]', /both included and excluded/],
    ['includeClusterResources written as a string', backup({ includeClusterResources: 'true' }), 'spec.includeClusterResources', /true or false/],
    ['a selector operator that does not exist', backup({ labelSelector: { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] } }), 'spec.labelSelector.matchExpressions[0].operator', /In, NotIn/],
    ['an In requirement without values', backup({ labelSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }), 'spec.labelSelector.matchExpressions[0].values', /at least one value/],
    ['both labelSelector and orLabelSelectors', backup({ labelSelector: { matchLabels: { a: 'b' } }, orLabelSelectors: [{ matchLabels: { c: 'd' } }] }), 'spec.orLabelSelectors', /not both/],
    ['an empty orLabelSelectors list', backup({ orLabelSelectors: [] }), 'spec.orLabelSelectors', /at least one/],
    ['a TTL in days', backup({ ttl: '30d' }), 'spec.ttl', /duration/],
    ['a negative TTL', backup({ ttl: '-1h' }), 'spec.ttl', /positive/],
    ['an unknown backup type', backup({ backupType: 'Full' }), 'spec.backupType', /AppBackup, AppAndPvBackup, PvBackup/],
    ['pvBackup written as a boolean', backup({ pvBackup: true }), 'spec.pvBackup', /defaultPvBackup/],
    ['Velero\'s scoped resource filters, which Ferry does not support yet', backup({ includedClusterScopedResources: ['storageclasses'] }), 'spec.includedClusterScopedResources', /not supported/],
    ['backup labels outside metadata.labels', backup({ metadata: { annotations: {} } }), 'spec.metadata.annotations', /unknown field/],
  ])('refuses %s', (_name, doc, path, message) => {
    const problems = problemsOf(() => parseBackupSpec(doc, 'doc'));
    expect(problems).toContainEqual(expect.objectContaining({ document: 'doc', path, message: expect.stringMatching(message) }));
  });

  it('refuses a schedule where a backup is expected', () => {
    const doc = { apiVersion: 'ferry.dev/v1', kind: 'BackupSchedule', metadata: { name: 's' }, spec: { schedule: '@daily' } };
    expect(problemsOf(() => parseBackupSpec(doc, 'doc'))[0]!.message).toMatch(/got a schedule/);
  });
});

describe('parseBackupDocument for schedules', () => {
  it('reads an ACK BackupSchedule with its backup fields written flat in spec', () => {
    const doc = { apiVersion: 'csdr.alibabacloud.com/v1beta1', kind: 'BackupSchedule', metadata: { name: 'nightly', namespace: 'csdr' },
      spec: { schedule: '1 4 * * *', backupType: 'AppBackup', includedNamespaces: ['default'], storageLocation: 'vault', ttl: '168h' } };
    const parsed = parseBackupDocument(doc, 'doc');
    expect(parsed).toEqual({ type: 'schedule', schedule: expect.objectContaining({
      name: 'nightly', namespace: 'csdr', schedule: { kind: 'cron', expression: '1 4 * * *' }, scheduleText: '1 4 * * *', paused: false,
      template: expect.objectContaining({ includedNamespaces: ['default'], storageLocation: 'vault', ttl: '168h0m0s' }),
    }) });
  });

  it('reads a Velero Schedule with its template and interval', () => {
    const doc = { apiVersion: 'velero.io/v1', kind: 'Schedule', metadata: { name: 'six-hourly' },
      spec: { schedule: '@every 6h', paused: true, useOwnerReferencesInBackup: false, template: { includedNamespaces: ['shop'] } } };
    const parsed = parseBackupDocument(doc, 'doc');
    expect(parsed.type === 'schedule' && parsed.schedule).toMatchObject({
      schedule: { kind: 'interval', minutes: 360 }, paused: true, useOwnerReferencesInBackup: false,
      template: { includedNamespaces: ['shop'] },
    });
  });

  it.each([
    ['a schedule without its schedule', { spec: {} }, 'spec.schedule', /required/],
    ['a schedule with a bad cron', { spec: { schedule: '0 25 * * *' } }, 'spec.schedule', /hour "25"/],
    ['a schedule that writes the template both flat and nested', { spec: { schedule: '@daily', ttl: '1h', template: {} } }, 'spec.ttl', /not both/],
    ['a problem inside the template', { spec: { schedule: '@daily', template: { ttl: 'soon' } } }, 'spec.template.ttl', /duration/],
  ])('refuses %s', (_name, body, path, message) => {
    const doc = { apiVersion: 'ferry.dev/v1', kind: 'BackupSchedule', metadata: { name: 's' }, ...body };
    expect(problemsOf(() => parseBackupDocument(doc, 'doc'))).toContainEqual(expect.objectContaining({ path, message: expect.stringMatching(message) }));
  });

  it('refuses a Velero Schedule whose backup fields are not in spec.template', () => {
    const doc = { apiVersion: 'velero.io/v1', kind: 'Schedule', metadata: { name: 's' }, spec: { schedule: '@daily', ttl: '1h' } };
    const paths = problemsOf(() => parseBackupDocument(doc, 'doc')).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['spec.ttl', 'spec.template']));
  });

  it('makes the backup a schedule takes: its name, the schedule label and the template\'s selection', () => {
    const parsed = parseBackupDocument({ apiVersion: 'velero.io/v1', kind: 'Schedule', metadata: { name: 'daily', namespace: 'velero' },
      spec: { schedule: '@daily', template: { includedNamespaces: ['shop'], metadata: { labels: { team: 'a' } } } } }, 'doc');
    const b = backupFromSchedule((parsed as { schedule: BackupScheduleSpec }).schedule, 'daily-20240102030405');
    expect(b).toMatchObject({
      apiVersion: 'velero.io/v1', kind: 'Backup', name: 'daily-20240102030405', namespace: 'velero', scheduleName: 'daily',
      includedNamespaces: ['shop'], labels: { team: 'a', 'velero.io/schedule-name': 'daily' },
    });
  });
});
