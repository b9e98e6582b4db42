import { privilegedRoleKeys } from '../restore/stages/privileged-rbac.js';
import { stringify } from 'yaml';
import { type KubeObject } from '../model/object.js';
import { offlineResolver } from '../model/resources.js';
import { parseKubernetesMinor, servedVersionsForMinor, UnknownKubernetesVersionError } from '../restore/api-versions/kubernetes-versions.js';
import type { ServedVersions } from '../restore/api-versions/served-versions.js';
import { itemFromObject } from '../restore/items.js';
import { crdListMapKeysFrom, parseResourceModifiers, type ResourceModifiers } from '../restore/modifiers/index.js';
import { volumesToReprovision } from '../restore/stages/reprovision-volumes.js';
import { transformAll, type ItemProblem, type TransformResult } from '../restore/pipeline.js';
import { resourcesFromCrds } from '../restore/read-manifests.js';
import type { TransformItem } from '../restore/types.js';
import { formatProblem, SpecError } from '../spec/problems.js';
import { parseRestoreSpec, parseRestoreSpecText, type RestoreSpec } from '../spec/restore-spec.js';
import { ArchiveError } from '../store/archive-reader.js';
import { flag, has, parseArgs, UsageError } from './args.js';
import { unifiedDiff } from './transform-diff.js';
import { expandInputs, isTarball, readManifestFile, readTarballFile, type TransformIo } from './transform-io.js';

export type { TransformIo } from './transform-io.js';

const USAGE = `usage: ferry transform [-f restore.yaml] [--modifiers FILE] [--target-version 1.NN] [-o yaml|json] [--diff] INPUT...

Runs the restore transformations offline and prints the objects as they would be applied, in apply order.
INPUT: manifest files (YAML streams or JSON), folders of them, or a backup tarball (.tar.gz).

  -f, --filename FILE     the ApplicationRestore or Velero Restore to apply (default: no mappings); --file also works
      --modifiers FILE    resource-modifier rules, bare or in a ConfigMap (the spec's resourceModifier ConfigMap, offline)
      --target-version V  the target's Kubernetes version (1.16 to 1.35): convert what it no longer serves
  -o, --output FORMAT     yaml (default) or json: {"items": [...], "warnings": [...], "errors": [...], "skipped": [...]}
      --diff              print a unified diff per object, as backed up against as restored

Exit status: 0 clean, 1 some object had an error (the others are still printed), 2 invalid input or spec.
`;

/** Thrown for input or a spec that cannot be used: the command prints the message and exits 2. */
class InvalidInputError extends Error {
  override name = 'InvalidInputError';
}

interface Options {
  specFile?: string;
  modifiersFile?: string;
  targetVersion?: string;
  output: 'yaml' | 'json';
  diff: boolean;
  inputs: string[];
}

/** `ferry transform`: returns the exit code (0 clean, 1 object errors, 2 invalid input or spec). */
export async function runTransform(argv: string[], io: TransformIo): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`ferry transform: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.inputs.length === 0 && argv.some((a) => a === '--help' || a === '-h')) {
    io.stdout(USAGE);
    return 0;
  }
  try {
    const prepared = await prepare(options, io);
    const result = transformAll(prepared.items, prepared.context);
    const inputErrors = prepared.inputErrors;
    print(result, inputErrors, prepared.notes, options, io);
    const failed = inputErrors.length > 0 || result.problems.some((p) => p.severity === 'error');
    return failed ? 1 : 0;
  } catch (err) {
    if (err instanceof SpecError) {
      io.stderr(`ferry transform: invalid input:\n${err.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`);
      return 2;
    }
    if (err instanceof InvalidInputError || err instanceof ArchiveError || err instanceof UnknownKubernetesVersionError || isFileError(err)) {
      io.stderr(`ferry transform: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
}

/** The command as `ferry` registers it. */
export const run = runTransform;

function parseOptions(argv: string[]): Options {
  const args = parseArgs(argv, { filename: true, modifiers: true, 'target-version': true, output: true, diff: false, help: false },
    { '-f': 'filename', '--file': 'filename', '-o': 'output', '-h': 'help' });
  const output = flag(args, 'output') ?? 'yaml';
  if (output !== 'yaml' && output !== 'json') throw new UsageError(`-o must be yaml or json, not "${output}"`);
  if (has(args, 'diff') && flag(args, 'output') === 'json') throw new UsageError('--diff prints text; it cannot be combined with -o json');
  if (args.positional.length === 0 && !has(args, 'help')) throw new UsageError('give at least one INPUT: a manifest, a folder or a backup tarball');
  return {
    specFile: flag(args, 'filename'), modifiersFile: flag(args, 'modifiers'), targetVersion: flag(args, 'target-version'),
    output, diff: has(args, 'diff'), inputs: args.positional,
  };
}

interface Prepared {
  items: TransformItem[];
  context: Parameters<typeof transformAll>[1];
  inputErrors: string[];
  notes: string[];
}

async function prepare(options: Options, io: TransformIo): Promise<Prepared> {
  const notes: string[] = [];
  const spec = options.specFile
    ? parseRestoreSpecText(await readText(options.specFile, io), options.specFile)
    : defaultSpec(options.inputs);
  const served: ServedVersions | undefined = options.targetVersion ? servedVersionsForMinor(parseKubernetesMinor(options.targetVersion)) : undefined;
  const modifiers = await loadModifiers(spec, options.modifiersFile, io, notes);

  const files = await expandInputs(options.inputs, io);
  if (files.length === 0) throw new InvalidInputError(`no manifests found in ${options.inputs.join(', ')}`);
  const manifests: KubeObject[] = [];
  const tarballs: string[] = [];
  for (const file of files) {
    if (isTarball(file)) tarballs.push(file);
    else manifests.push(...await readManifestFile(file, io));
  }
  const resolve = offlineResolver(resourcesFromCrds(manifests));
  const items = manifests.map((o) => itemFromObject(o, resolve, { defaultNamespace: 'default' }));
  const inputErrors: string[] = [];
  for (const file of tarballs) {
    items.push(...await readTarballFile(file, io, resolve, (e) => inputErrors.push(`${file}: entry ${e.path}: ${e.reason}`)));
  }
  const crds = items.filter((i) => i.object.kind === 'CustomResourceDefinition').map((i) => i.object);
  return {
    items, inputErrors, notes,
    context: {
      spec, backupName: spec.backupName ?? defaultBackupName(options.inputs), restoreName: spec.name, resolve,
      privilegedRoles: privilegedRoleKeys(items),
      ...(served ? { served } : {}),
      ...(modifiers ? { modifiers, crdListMapKeys: crdListMapKeysFrom(crds) } : {}),
      reprovisionVolumes: volumesToReprovision(items),
    },
  };
}

async function loadModifiers(spec: RestoreSpec, file: string | undefined, io: TransformIo, notes: string[]): Promise<ResourceModifiers | undefined> {
  if (file) return parseResourceModifiers(await readText(file, io), file);
  const source = spec.resourceModifier;
  if (!source) return undefined;
  if ('inline' in source) return parseResourceModifiers(stringify(source.inline), 'spec.resourceModifier');
  notes.push(`the spec's resource modifiers are in ConfigMap ${source.namespace ? `${source.namespace}/` : ''}${source.name}, `
    + 'which is read from the target cluster at restore time; pass it with --modifiers FILE to preview them (not applied here)');
  return undefined;
}

function defaultSpec(inputs: readonly string[]): RestoreSpec {
  return parseRestoreSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name: 'ferry-transform' },
    spec: { backupName: defaultBackupName(inputs) } }, 'default restore');
}

/** A tarball's name without its extension, else `manifests`. */
function defaultBackupName(inputs: readonly string[]): string {
  const tarball = inputs.find(isTarball);
  const base = tarball?.split('/').pop()?.replace(/\.(tar\.gz|tgz)$/i, '');
  return base && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(base) ? base : 'manifests';
}

async function readText(path: string, io: TransformIo): Promise<string> {
  const content = await io.readFile(path);
  return typeof content === 'string' ? content : content.toString('utf8');
}

function isFileError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

function print(result: TransformResult, inputErrors: string[], notes: string[], options: Options, io: TransformIo): void {
  const problem = (p: ItemProblem) => ({ apiVersion: p.apiVersion, kind: p.kind, namespace: p.namespace, name: p.name, message: `${p.stage}: ${p.message}` });
  const warnings = result.problems.filter((p) => p.severity === 'warning');
  const errors = result.problems.filter((p) => p.severity === 'error');
  const skipped = result.skipped.map((s) => ({
    apiVersion: s.item.original.apiVersion, kind: s.item.original.kind, namespace: s.item.backupNamespace,
    name: s.item.original.metadata.name ?? '', reason: `${s.stage}: ${s.reason}`,
  }));
  // Written object by object: the output of a large backup is never one string (V8 caps a string near 512 MiB).
  if (options.output === 'json') {
    writeJson(io, result.items.map((i) => i.object), {
      warnings: [...notes.map(runProblem), ...warnings.map(problem)],
      errors: [...inputErrors.map(runProblem), ...errors.map(problem)],
      skipped,
    });
    return;
  }
  for (const item of result.items) io.stdout(options.diff ? diffOf(item) : `---\n${toYaml(item.object)}`);
  const where = (p: { kind: string; namespace: string; name: string }) => `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
  const lines = [
    ...notes.map((n) => `note: ${n}`),
    ...skipped.map((s) => `skipped: ${where(s)}: ${s.reason}`),
    ...warnings.map((p) => `warning: ${where(p)}: ${p.stage}: ${p.message}`),
    ...inputErrors.map((e) => `error: ${e}`),
    ...errors.map((p) => `error: ${where(p)}: ${p.stage}: ${p.message}`),
  ];
  if (lines.length > 0) io.stderr(`${lines.join('\n')}\n`);
}

/**
 * Writes `JSON.stringify({ items, ...rest }, null, 2)` and a newline, the same bytes, one item at a time: each item
 * is stringified alone and indented to its depth (JSON text holds no raw newline inside a string).
 */
export function writeJson(io: Pick<TransformIo, 'stdout'>, items: readonly unknown[], rest: Record<string, unknown>): void {
  const [head, tail] = JSON.stringify({ items: null, ...rest }, null, 2).split(/(?<=^\{\n {2}"items": )null/);
  io.stdout(head!);
  if (items.length === 0) io.stdout('[]');
  else {
    items.forEach((item, i) => io.stdout(`${i === 0 ? '[\n' : ',\n'}    ${JSON.stringify(item, null, 2).replaceAll('\n', '\n    ')}`));
    io.stdout('\n  ]');
  }
  io.stdout(`${tail!}\n`);
}

/** A problem of the run rather than of one object, in the same shape (the object fields empty). */
function runProblem(message: string) {
  return { apiVersion: '', kind: '', namespace: '', name: '', message };
}

function diffOf(item: TransformItem): string {
  const o = item.original;
  const before = `${item.groupResource}/${item.backupNamespace ? `${item.backupNamespace}/` : ''}${o.metadata.name ?? ''}`;
  const ns = item.object.metadata.namespace;
  const after = `${item.groupResource}/${ns ? `${ns}/` : ''}${item.object.metadata.name ?? ''}`;
  return unifiedDiff(toYaml(o), toYaml(item.object), `backup/${before}`, `restore/${after}`);
}

/**
 * YAML that kubectl reads back unchanged. NOTE: kubectl parses YAML 1.1, where an unquoted `yes`, `on` or a
 * timestamp is not a string; writing in 1.1 quotes them.
 */
function toYaml(value: unknown): string {
  return stringify(value, { version: '1.1' });
}
