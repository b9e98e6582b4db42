import { describe, expect, it } from 'vitest';
import type { CatalogEntry } from '../../../lib/catalog/catalog-entry.js';
import { parseSchedules, viewOf } from '../../../lib/cli/schedules.js';

const NOW = new Date('2026-12-04T10:00:00Z');
const FILE = `apiVersion: csdr.alibabacloud.com/v1beta1
kind: BackupSchedule
metadata: {name: nightly, namespace: csdr}
spec: {schedule: "1 4 * * *", template: {includedNamespaces: [default], ttl: 720h0m0s}}
---
apiVersion: ferry.dev/v1
kind: BackupSchedule
metadata: {name: frequent}
spec: {schedule: 6h, template: {}}
---
apiVersion: velero.io/v1
kind: Schedule
metadata: {name: weekly}
spec: {schedule: "0 3 * * 0", paused: true, template: {}}
`;

const entry = (name: string, phase: CatalogEntry['phase'], created: string) => ({ name, phase, created }) as CatalogEntry;

describe('viewOf', () => {
  const [nightly, frequent, weekly] = parseSchedules(FILE, 'schedules.yaml');
  const catalog = {
    entries: [entry('nightly-20261203040100', 'Completed', '2026-12-03T04:01:00Z'), entry('nightly-20261204040100', 'PartiallyFailed', '2026-12-04T04:01:00Z'),
      entry('frequent-20261204080000', 'Completed', '2026-12-04T08:00:00Z'), entry('nightly-extra', 'Completed', '2026-12-04T09:00:00Z')],
    folders: new Set(['nightly-20261204040100', 'frequent-20261204080000', 'nightly-20261204050000']),
  };

  it('gives a cron schedule its next runs in UTC and its backups newest first, those not indexed yet included', () => {
    const v = viewOf(nightly!, catalog, NOW, 3);
    expect(v.nextRuns).toEqual(['2026-12-05T04:01:00.000Z', '2026-12-06T04:01:00.000Z', '2026-12-07T04:01:00.000Z']);
    expect(v.backups).toEqual([
      { name: 'nightly-20261204050000', phase: '(not indexed)' },
      { name: 'nightly-20261204040100', phase: 'PartiallyFailed', created: '2026-12-04T04:01:00Z' },
      { name: 'nightly-20261203040100', phase: 'Completed', created: '2026-12-03T04:01:00Z' },
    ]);
  });

  it('counts an interval from its last backup, and says its next run is unknown before its first', () => {
    expect(viewOf(frequent!, catalog, NOW, 2).nextRuns).toEqual(['2026-12-04T14:00:00.000Z', '2026-12-04T20:00:00.000Z']);
    expect(viewOf(frequent!, { entries: [], folders: new Set() }, NOW, 2)).toMatchObject({ nextRuns: [], noRunsBecause: expect.stringMatching(/^unknown until its first backup/) });
  });

  it('gives a paused schedule no next runs, saying why', () => {
    expect(viewOf(weekly!, catalog, NOW, 5)).toMatchObject({ paused: true, nextRuns: [], noRunsBecause: 'paused', backups: [] });
  });

  it('refuses a schedules file holding a one-off backup, naming the document', () => {
    expect(() => parseSchedules('apiVersion: velero.io/v1\nkind: Backup\nmetadata: {name: once}\nspec: {}\n', 's.yaml'))
      .toThrow(/kind: expected a BackupSchedule or Velero Schedule, got Backup/);
  });
});
