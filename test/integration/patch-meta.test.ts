// The built-in strategic-merge table (what `ferry transform` merges by, offline) against what a real 1.35 API
// server publishes in its OpenAPI v3: for every built-in kind the server serves, the same fields are tagged with
// the same strategy and merge key. A restore reads the server's own; this test says when the table drifts.
import { afterAll, describe, expect, it } from 'vitest';
import { builtInTaggedFields } from '../../lib/restore/modifiers/builtin-patch-meta.js';
import { OpenApiPatchMeta } from '../../lib/restore/modifiers/openapi-patch-meta.js';
import type { TaggedField } from '../../lib/restore/modifiers/patch-meta.js';
import { loadTargetPatchMeta } from '../../lib/restore/target-patch-meta.js';
import { stackCluster } from '../support/stack.js';

const cluster = stackCluster('target');
afterAll(() => cluster.close());

const line = (f: TaggedField) => `${f.path}: ${f.strategy}${f.mergeKey ? ` by ${f.mergeKey}` : ''}`;

describe('the built-in strategic-merge table', () => {
  it('agrees with the 1.35 API server\'s OpenAPI v3 for every built-in kind it serves', async () => {
    const discovery = await cluster.discover();
    expect(discovery.serverVersion).toMatch(/^v1\.35\./);
    const preferred = new Map(discovery.groups.map((g) => [g.name, g.preferredVersion]));
    const compared: string[] = [];
    const disagreements: Record<string, { onlyTable: string[]; onlyServer: string[] }> = {};
    for (const r of discovery.resources) {
      const table = builtInTaggedFields(r.group, r.kind);
      if (!table || preferred.get(r.group) !== r.version) continue;
      const server = new OpenApiPatchMeta([await cluster.openApiV3(r.group ? `${r.group}/${r.version}` : r.version)]).taggedFields(r.group, r.version, r.kind);
      expect(server, `${r.kind}.${r.group} has no schema in the server's OpenAPI v3`).toBeDefined();
      const t = new Set(table.map(line));
      const s = new Set(server!.map(line));
      const onlyTable = [...t].filter((x) => !s.has(x));
      const onlyServer = [...s].filter((x) => !t.has(x));
      if (onlyTable.length || onlyServer.length) disagreements[`${r.kind}.${r.group || 'core'}`] = { onlyTable, onlyServer };
      compared.push(r.kind);
    }
    expect(compared).toEqual(expect.arrayContaining(['Pod', 'Deployment', 'StatefulSet', 'CronJob', 'Service', 'ServiceAccount', 'MutatingWebhookConfiguration']));
    expect(compared.length).toBeGreaterThan(40);
    expect(disagreements).toEqual({});
  });

  it('is what a restore reads from the target: containers merge by name, a PodDisruptionBudget\'s selector is replaced', async () => {
    const discovery = await cluster.discover();
    const meta = await loadTargetPatchMeta(cluster, discovery, ['', 'apps', 'policy']);
    const podSpec = meta!('apps', 'v1', 'Deployment')!.field('spec').meta.field('template').meta.field('spec').meta;
    expect(podSpec.field('containers')).toMatchObject({ strategy: 'merge', mergeKeys: ['name'] });
    expect(podSpec.field('containers').meta.field('env')).toMatchObject({ strategy: 'merge', mergeKeys: ['name'] });
    expect(meta!('policy', 'v1', 'PodDisruptionBudget')!.field('spec').meta.field('selector').strategy).toBe('replace');
    // Custom resources are not the target's built-ins: their CRDs say how they merge.
    expect(meta!('example.com', 'v1', 'Widget')).toBeUndefined();
  });
});
