/// <reference lib="dom" />
/** The read-only pages: backups, one backup, restores, schedules, and the token prompt. */
import type { CatalogEntry } from '../../catalog/catalog-entry.js';
import type { Result } from '../../model/results.js';
import type { BackupDetail, BackupList } from '../backups.js';
import type { RestoreRow } from '../restores.js';
import type { ScheduleRow } from '../schedules.js';
import { api, setToken } from './api.js';
import { barChart, bytes, h, relative, show as showNow, type Show } from './dom.js';

type SortKey = 'name' | 'sourceCluster' | 'phase' | 'created' | 'expires' | 'items' | 'size';

const sortState: { key: SortKey; down: boolean; filter: string } = { key: 'created', down: true, filter: '' };

/** The backups list: filter by any text, sort by any column (each header is a button). */
export async function backupsPage(show: Show): Promise<void> {
  const list = await api<BackupList>('GET', 'backups');
  const body = h('tbody');
  const count = h('p', { class: 'hint', 'aria-live': 'polite' });
  const render = () => {
    const f = sortState.filter.toLowerCase();
    const rows = list.backups.filter((b) => !f || [b.name, b.sourceCluster ?? '', b.phase, b.storageLocation ?? ''].some((t) => t.toLowerCase().includes(f)));
    const value = (b: CatalogEntry): string | number => (sortState.key === 'items' ? b.counts.items : sortState.key === 'size' ? b.size : (b[sortState.key] ?? ''));
    rows.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return sortState.down ? -c : c;
    });
    body.replaceChildren(...rows.map((b) => h('tr', {},
      h('td', {}, h('a', { href: `#/backups/${encodeURIComponent(b.name)}` }, b.name)),
      h('td', {}, b.sourceCluster ?? ''),
      h('td', { class: `phase-${b.phase}` }, b.phase, b.verified ? ' ✓' : '', b.problems[0] ? h('div', { class: 'hint' }, b.problems[0]) : null),
      h('td', { title: b.created ?? '' }, relative(b.created)),
      h('td', { title: b.expires ?? '' }, relative(b.expires)),
      h('td', { class: 'num' }, b.counts.items),
      h('td', { class: 'num' }, bytes(b.size)))));
    count.textContent = `${rows.length} of ${list.backups.length} backups`;
  };
  const header = (key: SortKey, label: string, num = false) => h('th', { class: num ? 'num' : undefined, 'aria-sort': sortState.key === key ? (sortState.down ? 'descending' : 'ascending') : 'none' },
    h('button', { type: 'button', onclick: () => { sortState.down = sortState.key === key ? !sortState.down : false; sortState.key = key; void backupsPage(show); } }, label, sortState.key === key ? (sortState.down ? ' ▼' : ' ▲') : ''));
  const filter = h('input', { id: 'filter', type: 'search', value: sortState.filter, placeholder: 'name, cluster, phase', oninput: (e: Event) => { sortState.filter = (e.target as HTMLInputElement).value; render(); } });
  render();
  show(h('h1', {}, 'Backups'),
    h('div', { class: 'toolbar' }, h('div', {}, h('label', { for: 'filter' }, 'Filter'), filter)),
    count,
    h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, header('name', 'Name'), header('sourceCluster', 'Source cluster'), header('phase', 'Phase / index verdict'),
        header('created', 'Age'), header('expires', 'Expires'), header('items', 'Objects', true), header('size', 'Size', true))),
      body)),
    list.notIndexed.length ? h('p', { class: 'hint' }, `Not indexed yet: ${list.notIndexed.join(', ')}`) : null);
}

function messages(title: string, result: Result, cls: string): HTMLElement | null {
  const lines = [...(result.velero ?? []).map((m) => `run: ${m}`), ...(result.cluster ?? []).map((m) => `cluster: ${m}`),
    ...Object.entries(result.namespaces ?? {}).flatMap(([ns, list]) => list.map((m) => `${ns}: ${m}`))];
  return h('section', {}, h('h2', {}, `${title} (${lines.length})`), lines.length ? h('ul', { class: cls }, lines.map((l) => h('li', {}, l))) : h('p', { class: 'hint' }, 'None.'));
}

/** One backup: facts, objects by namespace and by resource type as charts, warnings and errors, volumes. */
export async function backupPage(name: string, show: Show): Promise<void> {
  const d = await api<BackupDetail>('GET', `backups/${encodeURIComponent(name)}`);
  const e = d.entry;
  const sorted = (r: Record<string, number>) => Object.entries(r).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  show(h('h1', {}, 'Backup ', e.name),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Phase'), h('dd', { class: `phase-${e.phase}` }, e.phase, e.verified ? ' (verified against its manifest)' : ''),
      h('dt', {}, 'Source cluster'), h('dd', {}, e.sourceCluster ?? 'unknown'),
      h('dt', {}, 'Created'), h('dd', {}, e.created ?? ''),
      h('dt', {}, 'Expires'), h('dd', {}, e.expires ?? 'never'),
      h('dt', {}, 'Objects'), h('dd', {}, `${e.counts.items} (${e.counts.cluster} cluster-scoped)`),
      h('dt', {}, 'Size'), h('dd', {}, bytes(e.size)),
      d.indexed ? null : [h('dt', {}, 'Catalog'), h('dd', {}, 'not indexed: judged now from its files')]),
    e.problems.length ? h('ul', { class: 'error' }, e.problems.map((p) => h('li', {}, p))) : null,
    h('p', {}, h('a', { href: `#/restore?backup=${encodeURIComponent(e.name)}` }, 'Restore this backup…')),
    h('div', { class: 'grid2' },
      barChart('Objects by namespace', sorted({ ...e.counts.byNamespace, ...(e.counts.cluster ? { '(cluster-scoped)': e.counts.cluster } : {}) })),
      barChart('Objects by resource type', sorted(e.counts.byResource))),
    messages('Errors', d.results.errors, 'error'),
    messages('Warnings', d.results.warnings, 'warning'),
    h('section', {}, h('h2', {}, `Volumes (${d.volumes.moved.length})`),
      d.volumes.moved.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Claim'), h('th', {}, 'Snapshot'), h('th', { class: 'num' }, 'Files'), h('th', { class: 'num' }, 'Size'))),
        h('tbody', {}, d.volumes.moved.map((v) => h('tr', {}, h('td', {}, `${v.namespace}/${v.claim}`), h('td', {}, v.snapshotId), h('td', { class: 'num' }, v.files), h('td', { class: 'num' }, bytes(v.bytes)))))))
        : h('p', { class: 'hint' }, 'No volume data in this backup.'),
      d.volumes.failed.map((f) => h('p', { class: 'error' }, `${f.namespace}/${f.claim}: ${f.reason}`)),
      d.volumes.problems.map((p) => h('p', { class: 'error' }, p))));
}

/** Every restore. */
export async function restoresPage(show: Show): Promise<void> {
  const { restores } = await api<{ restores: RestoreRow[] }>('GET', 'restores');
  show(h('h1', {}, 'Restores'),
    h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, ['Name', 'Backup', 'Target', 'Phase', 'Started', 'Created', 'Failed'].map((t) => h('th', {}, t)))),
      h('tbody', {}, restores.map((r) => h('tr', {},
        h('td', {}, h('a', { href: `#/restores/${encodeURIComponent(r.name)}` }, r.name), r.dryRun ? h('span', { class: 'hint' }, ' (dry run)') : null),
        h('td', {}, r.backup ?? ''), h('td', {}, r.targetCluster ?? ''), h('td', { class: `phase-${r.phase}` }, r.phase),
        h('td', {}, relative(r.startedAt)), h('td', { class: 'num' }, r.counts?.created ?? ''), h('td', { class: 'num' }, r.counts?.failed ?? '')))))));
}

/** The schedules, each with a button that takes a backup now from its spec. */
export async function schedulesPage(show: Show): Promise<void> {
  const { schedules } = await api<{ schedules: ScheduleRow[] }>('GET', 'schedules');
  const status = h('p', { 'aria-live': 'polite' });
  const backupNow = async (name: string) => {
    status.className = '';
    status.textContent = `Starting a backup from ${name}…`;
    try {
      const { backup } = await api<{ backup: string }>('POST', `schedules/${encodeURIComponent(name)}/backups`, {});
      status.replaceChildren('Backup ', h('a', { href: `#/backups/${encodeURIComponent(backup)}` }, backup), ' started; it appears in the list once indexed.');
    } catch (err) {
      status.className = 'error';
      status.textContent = (err as Error).message;
    }
  };
  show(h('h1', {}, 'Schedules'), status,
    schedules.length === 0 ? h('p', { class: 'hint' }, 'No BackupSchedules are deployed.') : h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, ['Name', 'Schedule', 'Namespaces', 'TTL', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, schedules.map((s) => h('tr', {}, h('td', {}, s.name), h('td', {}, s.schedule, s.paused ? ' (paused)' : ''),
        h('td', {}, s.includedNamespaces.join(', ') || 'all'), h('td', {}, s.ttl),
        h('td', {}, h('button', { type: 'button', class: 'secondary', disabled: s.paused, onclick: () => void backupNow(s.name) }, 'Back up now'))))))));
}

/** Asks for the console token (the stack prints it; in AWS, a Cognito ID token). */
export function tokenPage(message?: string, show: Show = showNow): void {
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off' });
  show(h('h1', {}, 'Sign in'),
    message ? h('p', { class: 'error' }, message) : null,
    h('form', { onsubmit: (e: Event) => { e.preventDefault(); setToken(input.value.trim()); location.hash = '#/backups'; dispatchEvent(new HashChangeEvent('hashchange')); } },
      h('label', { for: 'token' }, 'Console token'), input,
      h('p', { class: 'hint' }, 'Locally: the token `npm run demo` prints (FERRY_CONSOLE_TOKEN in .stack/env). In AWS: an ID token of the console\'s Cognito user pool.'),
      h('button', { type: 'submit', class: 'primary' }, 'Sign in')));
}
