/// <reference lib="dom" />
/**
 * The web app's only way to make markup: elements with text children. Text is always a text node and attributes
 * are set one by one, never parsed as HTML, so whatever a backup holds is shown, not run.
 */

/** A child: an element, text (escaped by being a text node), or nothing. */
export type Child = Node | string | number | false | null | undefined;

/** Creates an element with attributes (`on*` functions become listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, unknown> = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false || value === null) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value as EventListener);
    else if (key === 'value' && 'value' in el) (el as HTMLInputElement).value = String(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return el;
}

/** Shows a page; a page given one of these by the router shows nothing once the user has moved on. */
export type Show = (...children: Child[]) => void;

/** Replaces the main area's content and moves focus there (keyboard and screen-reader users land on the page). */
export function show(...children: Child[]): void {
  const main = document.getElementById('main')!;
  main.replaceChildren(...children.filter((c): c is Node | string => c !== undefined && c !== null && c !== false).map((c) => (typeof c === 'number' ? String(c) : c)));
  main.focus();
}

/** A horizontal bar chart: one labelled bar per entry, its value as text too. */
export function barChart(title: string, entries: [string, number][]): HTMLElement {
  const max = Math.max(1, ...entries.map(([, n]) => n));
  return h('figure', { class: 'chart', 'aria-label': title },
    h('figcaption', {}, h('strong', {}, title)),
    entries.map(([label, n]) => h('div', { class: 'bar-row' },
      h('span', { class: 'bar-label' }, label),
      h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { style: `width:${(100 * n / max).toFixed(1)}%` })),
      h('span', { class: 'num' }, n))));
}

/** A progress bar of done out of total. */
export function progressBar(done: number, total: number): HTMLElement {
  const pct = total > 0 ? Math.min(100, (100 * done) / total) : done > 0 ? 100 : 0;
  return h('span', { class: `bar${total > 0 && done >= total ? ' done' : ''}`, role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': total, 'aria-valuenow': done },
    h('span', { style: `width:${pct.toFixed(1)}%` }));
}

/** A unified diff, its added and removed lines marked. */
export function diffBlock(diff: string): HTMLElement {
  return h('pre', { class: 'diff' }, diff.split('\n').filter((l) => l !== '').map((line) => {
    const cls = line.startsWith('@@') ? 'hunk' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : undefined;
    return cls ? h('span', { class: cls }, `${line}\n`) : `${line}\n`;
  }));
}

/** How long ago an RFC 3339 time was, or how long until it: `3h`, `in 29d`. */
export function relative(time: string | undefined, now = Date.now()): string {
  if (!time) return '';
  const ms = Date.parse(time) - now;
  const abs = Math.abs(ms);
  const text = abs < 60_000 ? `${Math.round(abs / 1000)}s` : abs < 3_600_000 ? `${Math.round(abs / 60_000)}m` : abs < 86_400_000 ? `${Math.round(abs / 3_600_000)}h` : `${Math.round(abs / 86_400_000)}d`;
  return ms > 0 ? `in ${text}` : text;
}

/** Bytes as `12.3 KiB`. */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
