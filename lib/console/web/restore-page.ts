/// <reference lib="dom" />
/** The restore form (preview first, then start) and a restore's progress until it ends. */
import type { RestorePreview } from '../preview.js';
import type { RestoreStatus } from '../restores.js';
import { api, ApiError } from './api.js';
import { diffBlock, h, progressBar, type Show } from './dom.js';

/** `a=b` lines (or `a: b`) as a map; blank lines ignored. */
export function parseMapping(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const i = line.search(/[=:]\s*/);
    if (i < 0) out[line] = '';
    else out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

function field(id: string, label: string, input: HTMLElement, hint?: string): HTMLElement {
  return h('div', {}, h('label', { for: id }, label), input, hint ? h('div', { class: 'hint' }, hint) : null);
}

function problemsOf(err: unknown): HTMLElement {
  const e = err as Error;
  return h('div', { class: 'error', role: 'alert' }, h('p', {}, e.message), err instanceof ApiError && err.problems.length ? h('ul', {}, err.problems.map((p) => h('li', {}, p))) : null);
}

/** The restore form. Start stays disabled until a preview of exactly the form's current values succeeded. */
export async function restorePage(query: URLSearchParams, show: Show): Promise<void> {
  const { clusters } = await api<{ clusters: string[] }>('GET', 'clusters');
  const backup = query.get('backup') ?? '';
  const inputs = {
    name: h('input', { id: 'name', value: backup ? `${backup}-restore` : '', required: true }),
    backupName: h('input', { id: 'backupName', value: backup, required: true }),
    targetCluster: h('select', { id: 'targetCluster' }, clusters.map((c) => h('option', { value: c, selected: c === (clusters.includes('target') ? 'target' : clusters[0]) }, c))),
    namespaceMapping: h('textarea', { id: 'namespaceMapping', rows: 2, placeholder: 'default=default1' }),
    storageClassMapping: h('textarea', { id: 'storageClassMapping', rows: 2, placeholder: 'gp2=gp3' }),
    imageRegistryMapping: h('textarea', { id: 'imageRegistryMapping', rows: 2, placeholder: 'old.registry.example/team=new.registry.example/team' }),
    modifiers: h('textarea', { id: 'modifiers', rows: 8, placeholder: 'version: v1\nresourceModifierRules:\n- conditions: {groupResource: pods}\n  patches: [{operation: remove, path: /spec/affinity}]' }),
  };
  const form = () => ({
    name: inputs.name.value.trim(), backupName: inputs.backupName.value.trim(), targetCluster: inputs.targetCluster.value,
    namespaceMapping: parseMapping(inputs.namespaceMapping.value), storageClassMapping: parseMapping(inputs.storageClassMapping.value),
    imageRegistryMapping: parseMapping(inputs.imageRegistryMapping.value), modifiers: inputs.modifiers.value,
  });
  const out = h('div', { 'aria-live': 'polite' });
  let previewed = '';
  const start = h('button', { type: 'button', class: 'primary', id: 'start', disabled: true }, 'Start restore');
  const preview = h('button', { type: 'submit', class: 'secondary', id: 'preview' }, 'Preview');
  const onChange = () => { start.disabled = JSON.stringify(form()) !== previewed; };
  for (const el of Object.values(inputs)) el.addEventListener('input', onChange);
  const runPreview = async () => {
    preview.disabled = true;
    out.replaceChildren(h('p', {}, 'Transforming the backup and running the target\'s dry run…'));
    const sent = form();
    try {
      const p = await api<RestorePreview>('POST', 'restores/preview', sent);
      out.replaceChildren(previewView(p));
      previewed = JSON.stringify(sent);
      onChange();
    } catch (err) {
      out.replaceChildren(problemsOf(err));
    } finally {
      preview.disabled = false;
    }
  };
  start.addEventListener('click', async () => {
    start.disabled = true;
    try {
      const { restore } = await api<{ restore: string }>('POST', 'restores', form());
      location.hash = `#/restores/${encodeURIComponent(restore)}`;
    } catch (err) {
      out.prepend(problemsOf(err));
    }
  });
  show(h('h1', {}, 'Restore'),
    h('form', { onsubmit: (e: Event) => { e.preventDefault(); void runPreview(); } },
      h('div', { class: 'grid2' },
        h('div', {},
          field('name', 'Restore name', inputs.name),
          field('backupName', 'Backup', inputs.backupName),
          field('targetCluster', 'Target cluster', inputs.targetCluster),
          field('namespaceMapping', 'Namespace mapping', inputs.namespaceMapping, 'one per line: from=to'),
          field('storageClassMapping', 'Storage class mapping', inputs.storageClassMapping, 'one per line: from=to'),
          field('imageRegistryMapping', 'Image registry mapping', inputs.imageRegistryMapping, 'one per line: from=to')),
        h('div', {}, field('modifiers', 'Resource modifier rules (YAML, bare or a ConfigMap)', inputs.modifiers))),
      preview, start,
      h('p', { class: 'hint' }, 'Preview shows every object as it would be restored, and the target API server\'s dry-run verdict for each. Nothing is applied until Start.')),
    out);
}

function previewView(p: RestorePreview): HTMLElement {
  const dry = 'failure' in p.dryRun
    ? h('p', { class: 'error' }, `Dry run did not run: ${p.dryRun.failure}`)
    : h('p', {}, `Dry run on ${p.targetCluster}: `, h('strong', { class: `phase-${p.dryRun.phase}` }, p.dryRun.phase), ` (${Object.entries(p.dryRun.counts).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  return h('section', { id: 'preview-result' },
    h('h2', {}, `Preview: ${p.objects.length} objects from ${p.backup}`), dry,
    p.problems.length ? h('ul', {}, p.problems.map((x) => h('li', { class: x.severity }, `${x.severity}: ${x.object}: ${x.message}`))) : null,
    p.objects.map((o) => h('details', { class: 'object' },
      h('summary', {}, `${o.kind} ${o.from}`, o.to !== o.from ? ` → ${o.to}` : '', ' ',
        o.dryRun ? h('span', { class: `status-${o.dryRun.status}` }, `[dry run: ${o.dryRun.status}${o.dryRun.message ? `: ${o.dryRun.message}` : ''}]`) : null,
        o.diff ? '' : ' (unchanged)'),
      o.diff ? diffBlock(o.diff) : null)),
    p.skipped.length ? h('section', {}, h('h2', {}, `Skipped (${p.skipped.length})`), h('ul', {}, p.skipped.map((s) => h('li', {}, `${s.kind} ${s.from}: ${s.reason}`)))) : null);
}

const FINAL = new Set(['Completed', 'PartiallyFailed', 'Failed']);

/** A restore's progress by priority group, polled until its phase is final; every failed object with its message. */
export async function progressPage(name: string, isCurrent: () => boolean, wait: (ms: number) => Promise<void>, show: Show): Promise<void> {
  for (let waited = 0; isCurrent(); waited++) {
    let s: RestoreStatus | undefined;
    try {
      s = await api<RestoreStatus>('GET', `restores/${encodeURIComponent(name)}`);
    } catch (err) {
      // Just started: the restore function has not recorded it yet.
      if (!(err instanceof ApiError && err.status === 404 && waited < 40)) throw err;
    }
    if (!isCurrent()) return;
    show(s ? statusView(s) : h('div', {}, h('h1', {}, 'Restore ', name), h('p', { class: 'phase-Pending' }, 'Pending: waiting for the restore function to start…')));
    if (s && FINAL.has(s.phase)) return;
    await wait(1500);
  }
}

function statusView(s: RestoreStatus): HTMLElement {
  const r = s.result;
  return h('div', {},
    h('h1', {}, 'Restore ', s.name, s.dryRun ? ' (dry run)' : ''),
    h('p', {}, 'Phase: ', h('strong', { id: 'phase', class: `phase-${s.phase}` }, s.phase),
      s.identity ? ` · backup ${s.identity.backup} into ${s.identity.targetCluster}` : '', ` · invocations ${s.invocations}`),
    r?.failure ? h('p', { class: 'error' }, r.failure) : null,
    r ? h('p', {}, Object.entries(r.counts).map(([k, v]) => `${k} ${v}`).join(' · ')) : null,
    h('h2', {}, 'Progress by priority group'),
    h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Group'), h('th', {}, 'Progress'), h('th', { class: 'num' }, 'Done'), h('th', {}, 'Outcomes'))),
      h('tbody', {}, s.groups.map((g) => h('tr', {}, h('td', {}, g.groupResource), h('td', {}, progressBar(g.done, g.total)),
        h('td', { class: 'num' }, `${g.done}/${g.total}`), h('td', {}, Object.entries(g.byStatus).map(([k, v]) => `${k} ${v}`).join(', '))))))),
    h('h2', {}, `Failed objects (${s.failed.length})`),
    s.failed.length ? h('ul', { id: 'failed' }, s.failed.map((f) => h('li', { class: 'error' }, `${f.kind} ${f.namespace ? `${f.namespace}/` : ''}${f.name}: ${f.message ?? 'failed'}`)))
      : h('p', { class: 'hint' }, 'None.'));
}
