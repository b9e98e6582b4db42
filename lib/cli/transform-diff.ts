/**
 * A unified diff of two texts, line by line (Myers' algorithm), with `context` lines around each change.
 * Returns "" when the texts are equal.
 */
export function unifiedDiff(before: string, after: string, fromLabel: string, toLabel: string, context = 3): string {
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffLines(a, b);
  if (ops.every((op) => op.type === ' ')) return '';
  const out = [`--- ${fromLabel}`, `+++ ${toLabel}`];
  for (const hunk of hunks(ops, context)) {
    out.push(`@@ -${range(hunk.aStart, hunk.aCount)} +${range(hunk.bStart, hunk.bCount)} @@`);
    for (const op of hunk.ops) out.push(`${op.type}${op.line}`);
  }
  return `${out.join('\n')}\n`;
}

interface Op { type: ' ' | '-' | '+'; line: string; aIndex: number; bIndex: number }

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Myers' shortest edit script, traced back into keep / delete / insert operations. */
function diffLines(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) { x++; y++; }
      v[offset + k] = x;
      if (x >= n && y >= m) break outer;
    }
  }
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = vd[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) { x--; y--; ops.push({ type: ' ', line: a[x]!, aIndex: x, bIndex: y }); }
    if (d === 0) break;
    if (x === prevX) { y--; ops.push({ type: '+', line: b[y]!, aIndex: x, bIndex: y }); }
    else { x--; ops.push({ type: '-', line: a[x]!, aIndex: x, bIndex: y }); }
  }
  return ops.reverse();
}

interface Hunk { aStart: number; aCount: number; bStart: number; bCount: number; ops: Op[] }

function hunks(ops: Op[], context: number): Hunk[] {
  const changed = ops.map((op, i) => (op.type === ' ' ? -1 : i)).filter((i) => i >= 0);
  const out: Hunk[] = [];
  let i = 0;
  while (i < changed.length) {
    const start = Math.max(0, changed[i]! - context);
    let end = Math.min(ops.length - 1, changed[i]! + context);
    while (i + 1 < changed.length && changed[i + 1]! - context <= end + 1) {
      i++;
      end = Math.min(ops.length - 1, changed[i]! + context);
    }
    const slice = ops.slice(start, end + 1);
    out.push({
      aStart: slice[0]!.aIndex, bStart: slice[0]!.bIndex, ops: slice,
      aCount: slice.filter((op) => op.type !== '+').length, bCount: slice.filter((op) => op.type !== '-').length,
    });
    i++;
  }
  return out;
}

function range(start: number, count: number): string {
  // A unified diff numbers lines from 1, and an empty range names the line before it.
  const first = count === 0 ? start : start + 1;
  return count === 1 ? `${first}` : `${first},${count}`;
}
