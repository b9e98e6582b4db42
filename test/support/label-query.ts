// The API server's label selector syntax, as formatLabelSelector writes it, evaluated for the fake cluster.

/** True when `labels` match the query (`a=b,c!=d,e in (f,g),!h`); an empty query matches everything. */
export function matchesLabelQuery(query: string, labels: Record<string, string>): boolean {
  if (!query) return true;
  const parts = query.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  return parts.every((raw) => {
    const part = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^(\S+) (in|notin) \((.*)\)$/.exec(part))) {
      const has = m[3]!.split(',').includes(labels[m[1]!] ?? '\0');
      return m[2] === 'in' ? has : !has;
    }
    if ((m = /^(\S+)!=(.*)$/.exec(part))) return labels[m[1]!] !== m[2];
    if ((m = /^(\S+)=(.*)$/.exec(part))) return labels[m[1]!] === m[2];
    if (part.startsWith('!')) return !(part.slice(1) in labels);
    return part in labels;
  });
}
