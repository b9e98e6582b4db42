import { describe, expect, it } from 'vitest';
import { ListFormatError, splitList } from '../../../lib/backup/list-items.js';

const joined = (parts: Uint8Array[]) => Buffer.concat(parts).toString('utf8');

/** What a parsed list gives for each item: the item with the list's apiVersion and kind. */
function parsedItems(body: string, apiVersion: string, kind: string): unknown[] {
  const list = JSON.parse(body) as { items?: Record<string, unknown>[] | null };
  return (list.items ?? []).map((item) => ({ ...item, apiVersion, kind }));
}

const configMap = (name: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name, namespace: 'shop', uid: `u-${name}`, labels: { app: 'web' }, managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:data': {} } }] },
  data: { payload: 'x'.repeat(50) }, ...extra,
});

describe('splitList', () => {
  it.each([
    ['a compact list as the API server writes it', JSON.stringify({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '42' }, items: [configMap('a'), configMap('b')] })],
    ['a pretty-printed list with whitespace everywhere', JSON.stringify({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '42' }, items: [configMap('a'), configMap('b')] }, null, 2)],
    ['strings holding quotes, backslashes, brackets and non-ASCII text', JSON.stringify({ metadata: {}, items: [configMap('c', { data: { a: 'say \\"hi\\" {[', b: 'C:\\\\dir\\\\', c: 'caf\u00e9 \u{1F600}', d: '\\\\' } })] })],
    ['numbers, booleans, nulls and nested arrays in items', JSON.stringify({ items: [configMap('d', { spec: { replicas: 3, paused: false, x: null, y: [[1, -2.5e3], [], {}], z: 0 } })], metadata: { continue: 'abc' } })],
    ['an empty item beside one with only metadata', JSON.stringify({ items: [{}, { metadata: { name: 'e' } }] })],
  ])('gives the bytes of each item as the parsed list would give the item: %s', (_case, body) => {
    const page = splitList(Buffer.from(body), 'v1', 'ConfigMap');
    expect(page.items.map((i) => JSON.parse(joined(i.parts)) as unknown)).toEqual(parsedItems(body, 'v1', 'ConfigMap'));
    expect(page.items.map((i) => i.size)).toEqual(page.items.map((i) => Buffer.concat(i.parts).length));
    expect(page.items.map((i) => i.object())).toEqual(parsedItems(body, 'v1', 'ConfigMap'));
  });

  it('reads each item\'s name, namespace and labels, whatever the order of metadata\'s fields', () => {
    const body = JSON.stringify({ items: [
      { metadata: { labels: { 'velero.io/exclude-from-backup': 'true', q: 'a\\"b' }, namespace: 'ns1', name: 'n1' } },
      { spec: {}, metadata: { name: 'n2' } },
    ] });
    const page = splitList(Buffer.from(body), 'v1', 'Thing');
    expect(page.items.map(({ name, namespace, labels }) => ({ name, namespace, labels }))).toEqual([
      { name: 'n1', namespace: 'ns1', labels: { 'velero.io/exclude-from-backup': 'true', q: 'a\\"b' } },
      { name: 'n2', namespace: '', labels: {} },
    ]);
  });

  it.each([
    ['the label set to "true"', '{"velero.io/exclude-from-backup":"true","app":"web"}', true],
    ['the label set to "false"', '{"velero.io/exclude-from-backup":"false"}', false],
    ['the key written with an escape, as another encoder may', '{"velero.io\\u002fexclude-from-backup":"true"}', true],
    ['the key as another label\'s value', '{"note":"velero.io/exclude-from-backup"}', false],
    ['a longer key that ends with it', '{"x.velero.io/exclude-from-backup":"true"}', false],
    ['no labels at all', undefined, false],
  ])('tells whether an item is excluded from the backup: %s', (_case, labels, excluded) => {
    const meta = labels === undefined ? '{"name":"a"}' : `{"name":"a","labels":${labels}}`;
    const [item] = splitList(Buffer.from(`{"items":[{"metadata":${meta}},{"metadata":{"name":"b","labels":{"velero.io/exclude-from-backup":"true"}}}]}`), 'v1', 'ConfigMap').items;
    expect(item!.excludedFromBackup).toBe(excluded);
    expect(item!.labels['velero.io/exclude-from-backup'] === 'true').toBe(excluded);
  });

  it('puts the list\'s apiVersion and kind in place of an item\'s own, as a parsed list does (custom resources carry them)', () => {
    const body = JSON.stringify({ apiVersion: 'example.com/v1', kind: 'WidgetList', items: [{ apiVersion: 'example.com/v1beta1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 2 } }] });
    const [item] = splitList(Buffer.from(body), 'example.com/v1', 'Widget').items;
    expect(JSON.parse(joined(item!.parts))).toEqual({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 2 } });
  });

  it.each([
    ['a continue token and a resource version', { metadata: { continue: 'tok==', resourceVersion: '7' }, items: [] }, { continueToken: 'tok==', resourceVersion: '7', items: 0 }],
    ['an empty continue token, as the last page has', { metadata: { continue: '', resourceVersion: '8' }, items: [configMap('a')] }, { resourceVersion: '8', items: 1 }],
    ['items given as null', { metadata: {}, items: null }, { items: 0 }],
  ])('reads the page\'s metadata: %s', (_case, list, expected) => {
    const page = splitList(Buffer.from(JSON.stringify(list)), 'v1', 'ConfigMap');
    expect({ ...(page.continueToken ? { continueToken: page.continueToken } : {}), ...(page.resourceVersion ? { resourceVersion: page.resourceVersion } : {}), items: page.items.length })
      .toEqual(expected);
  });

  it.each([
    ['a body cut in the middle of a string', '{"items":[{"metadata":{"name":"a'],
    ['a body cut in the middle of an item', '{"items":[{"metadata":{"name":"a"},"data":{'],
    ['a body that is not an object', '[1,2]'],
    ['items that are not separated by commas', '{"items":[{} {}]}'],
  ])('refuses what is not a JSON list: %s', (_case, body) => {
    expect(() => splitList(Buffer.from(body), 'v1', 'ConfigMap')).toThrow(ListFormatError);
  });
});
