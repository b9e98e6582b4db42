/**
 * The one-command demo of the seed article's scenario, on this machine (scripts/demo.sh runs it):
 * the local stack, the four functions behind the Lambda API, the seed's StatefulSet backed up from the `source`
 * control plane, indexed through the bucket-event bridge, and restored into `target` with the seed's
 * namespace mapping, image registry mapping and resource-modifier rules. Stops everything it started.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readCatalogEntry } from '../../lib/catalog/catalog-entry.js';
import { loadConfig, openCluster, openStore } from '../../lib/compose.js';
import type { Cluster } from '../../lib/kube/cluster.js';
import { AlreadyExists } from '../../lib/kube/errors.js';
import { cloneJson, type KubeObject } from '../../lib/model/object.js';
import { parseDocuments } from '../../lib/spec/documents.js';
import { readStackEnv, startOffline, type Offline } from '../offline/offline.js';
import { writeDemoConfig } from './volume-config.js';
import { formatMs, StepFailed, Steps } from './steps.js';
import { deleteNamespaces } from '../../test/support/workloads.js';
import { pageProblems, runningPods, SEED_PODS, unschedulableReason, writePages } from './pods.js';
import { beforeAfterTable, checkRestored, viewOf, type StatefulSetView } from './verify.js';

const repo = resolve(import.meta.dirname, '../..');
const stackDir = process.env.FERRY_STACK_DIR ?? join(repo, '.stack');
const FIELD_MANAGER = 'ferry-demo';

function docs(file: string): KubeObject[] {
  return parseDocuments(readFileSync(join(repo, file), 'utf8'), file).map((d) => d.value as KubeObject);
}

function stackRunning(): boolean {
  try {
    return !execFileSync('bash', [join(repo, 'scripts/stack/stack.sh'), 'status'], { encoding: 'utf8' }).includes('stopped');
  } catch {
    return false;
  }
}

/** Creates objects as written; one that exists already (an earlier run, another tool) is replaced. */
async function replaceAll(cluster: Cluster, objects: KubeObject[], note: (l: string) => void): Promise<void> {
  for (const obj of objects) {
    const where = `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
    try {
      await cluster.create(obj, { fieldManager: FIELD_MANAGER });
      note(`created ${where}`);
    } catch (err) {
      if (!(err instanceof AlreadyExists)) throw err;
      if (obj.kind === 'Namespace') {
        note(`${where} exists`);
        continue;
      }
      await cluster.delete(obj.apiVersion, obj.kind, obj.metadata.name!, obj.metadata.namespace);
      await cluster.create(obj, { fieldManager: FIELD_MANAGER });
      note(`replaced ${where}`);
    }
  }
}

async function main(): Promise<number> {
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const steps = new Steps(10);
  const cleanups: (() => Promise<void> | void)[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () => (cleaning ??= (async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch((err: unknown) => process.stderr.write(`[demo] cleanup: ${(err as Error).message}\n`));
  })());
  const interrupted = (signal: string) => {
    process.stderr.write(`\n[demo] ${signal}: stopping what the demo started\n`);
    void cleanup().then(() => process.exit(130));
  };
  process.on('SIGINT', () => interrupted('SIGINT'));
  process.on('SIGTERM', () => interrupted('SIGTERM'));

  const app = docs('examples/seed/app.yaml');
  const backupDoc = docs('examples/seed/backup.yaml')[0]!;
  const modifierConfigMap = docs('examples/seed/modifier.yaml')[0]!;
  const restoreDoc = docs('examples/seed/restore.yaml')[0]!;
  const backupName = `${backupDoc.metadata.name}-${stamp}`;
  const restoreName = `${restoreDoc.metadata.name}-${stamp}`;
  const restoreSpec = restoreDoc.spec as { namespaceMapping: Record<string, string>; imageRegistryMapping: Record<string, string> };
  const targetNamespace = restoreSpec.namespaceMapping.default!;
  const controlNamespace = `${targetNamespace}-control`;
  const sts = app.find((o) => o.kind === 'StatefulSet')!;
  const timings: Record<string, string> = {};
  let before: StatefulSetView | undefined;
  let after: StatefulSetView | undefined;
  let restoreCounts = '';
  let podsBefore: string[] = [];
  let podsAfter: string[] = [];
  let controlReason = '';
  const pages = new Map<string, string>();
  let pagesMatch = false;

  try {
    await steps.run('build and start the local stack (etcd, versitygw, two clusters with controllers and a node each)', async (note) => {
      const wasRunning = stackRunning();
      execFileSync('bash', [join(repo, 'scripts/stack/stack.sh'), 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });
      if (!wasRunning) cleanups.push(() => { execFileSync('bash', [join(repo, 'scripts/stack/stack.sh'), 'down'], { stdio: 'inherit' }); });
      note(wasRunning ? 'the stack was already running: it stays up afterwards' : 'started here: stopped at the end');
    });
    // The stack's bucket credentials and endpoints, for the demo's own reads (the functions get them from osls).
    Object.assign(process.env, readStackEnv(stackDir));
    // The demo's config moves the claims' data through the bucket (volume-config.ts).
    const configFile = writeDemoConfig(stackDir) ?? join(stackDir, 'ferry.yaml');
    const config = await loadConfig(configFile, process.env);
    const source = await openCluster(config, 'source');
    const target = await openCluster(config, 'target');
    cleanups.push(() => { source.close(); target.close(); });
    const { store, layout } = openStore(config);

    let offline!: Offline;
    await steps.run('start the functions (osls offline, Lambda API on port 3002) and the bucket-event bridge', async (note) => {
      offline = await startOffline({ stackDir, configFile, log: (l) => note(l) });
      note(`the web console, while the demo runs: ${offline.consoleUrl}`);
      cleanups.push(() => offline.stop());
    });

    await steps.run('load the seed\'s StatefulSet, Service and ConfigMap into source/default; its pods run on the is_idc node', async (note) => {
      await replaceAll(source, app, note);
      const loaded = (await source.read(sts.apiVersion, sts.kind, sts.metadata.name!, 'default'))!;
      before = viewOf(loaded);
      const stamp = new Date().toISOString();
      for (const pod of SEED_PODS) pages.set(pod, `${pod}: written in the data centre at ${stamp}\n`);
      for (const w of await writePages(source, 'default', (pod) => pages.get(pod)!)) note(`page ${w}`);
      podsBefore = (await runningPods(source, 'default', String(loaded.metadata.uid))).lines;
      for (const l of podsBefore) note(l);
    });

    await steps.run(`invoke backup ${backupName} through the Lambda API`, async (note) => {
      const spec = cloneJson(backupDoc);
      spec.metadata.name = backupName;
      const result = await offline.invoke<{ phase: string; itemsBackedUp: number; byResource: Record<string, number> }>('backup', { spec, cluster: 'source' });
      note(`${result.phase}: ${result.itemsBackedUp} items (${Object.entries(result.byResource).map(([r, n]) => `${r} ${n}`).join(', ')})`);
      if (result.phase !== 'Completed') throw new Error(`the backup ended ${result.phase}`);
    });

    await steps.run('wait until the bucket event has made index mark the backup Completed', async (note) => {
      const deadline = Date.now() + 90_000;
      let last = '';
      for (;;) {
        const { entry } = await readCatalogEntry(store, layout, backupName);
        const phase = entry?.phase ?? '(no catalog entry yet)';
        if (phase !== last) note(`catalog: ${phase}${entry?.problems?.length ? ` (${entry.problems.join('; ')})` : ''}`);
        last = phase;
        if (entry?.phase === 'Completed') break;
        if (entry && ['Corrupt', 'Invalid', 'Failed'].includes(entry.phase)) throw new Error(`index judged the backup ${entry.phase}`);
        if (Date.now() > deadline) throw new Error(`no Completed catalog entry after 90 s; bridge invocations: ${JSON.stringify(offline.bridge.invocations.slice(-3))}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      note(`${offline.bridge.invocations.length} index invocation(s) from bucket events`);
    });

    await steps.run('store the seed\'s modifier rules (ConfigMap) in target/csdr', async (note) => {
      await replaceAll(target, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: modifierConfigMap.metadata.namespace! } }, modifierConfigMap], note);
    });

    await steps.run(`clear what an earlier demo restored into target/${targetNamespace} and target/${controlNamespace}`, async (note) => {
      await deleteNamespaces(target, [targetNamespace, controlNamespace]);
      note(`namespaces ${targetNamespace} and ${controlNamespace} deleted, if they were there, and gone`);
    });

    await steps.run(`invoke restore ${restoreName} into target through the Lambda API`, async (note) => {
      const spec = cloneJson(restoreDoc);
      spec.metadata.name = restoreName;
      (spec.spec as Record<string, unknown>).backupName = backupName;
      const result = await offline.invoke<{ phase: string; counts: Record<string, number>; results?: unknown; failure?: string }>('restore', { spec, cluster: 'target' });
      restoreCounts = Object.entries(result.counts).map(([k, n]) => `${k} ${n}`).join(', ');
      note(`${result.phase}: ${restoreCounts}`);
      if (result.phase !== 'Completed' && result.phase !== 'PartiallyFailed') throw new Error(`the restore ended ${result.phase}${result.failure ? `: ${result.failure}` : ''}`);
    });

    const problems = await steps.run('verify the restored StatefulSet against the seed', async (note) => {
      const restored = await target.read(sts.apiVersion, sts.kind, sts.metadata.name!, targetNamespace);
      if (!restored) throw new Error(`StatefulSet ${targetNamespace}/${sts.metadata.name} is not in the target`);
      after = viewOf(restored);
      const [from, to] = Object.entries(restoreSpec.imageRegistryMapping)[0]!;
      const found = checkRestored(after, { namespace: targetNamespace, image: before!.image.replace(from, to), backup: backupName, restore: restoreName });
      note(found.length ? `${found.length} difference(s) from what the seed expects` : 'namespace, image and affinity are what the seed expects');
      const running = await runningPods(target, targetNamespace, String(restored.metadata.uid));
      podsAfter = running.lines;
      for (const l of podsAfter) note(l);
      if (configFile.endsWith('ferry-demo.yaml')) {
        const wrong = pageProblems(targetNamespace, running.served, pages);
        pagesMatch = wrong.length === 0;
        found.push(...wrong);
      }
      return found;
    });

    await steps.run(`control: restore the same backup into target/${controlNamespace} without the modifier rules`, async (note) => {
      const spec = cloneJson(restoreDoc);
      spec.metadata.name = `${restoreName}-control`;
      const fields = spec.spec as Record<string, unknown>;
      fields.backupName = backupName;
      fields.namespaceMapping = { default: controlNamespace };
      delete fields.resourceModifier;
      const result = await offline.invoke<{ phase: string }>('restore', { spec, cluster: 'target' });
      note(`${result.phase}; web-0 stays Pending:`);
      controlReason = await unschedulableReason(target, controlNamespace);
      note(controlReason);
    });

    for (const t of steps.timings) timings[t.name] = formatMs(t.ms);
    const out = [
      '',
      '== Ferry demo: the seed\'s StatefulSet, backed up from source and restored into target ==',
      '',
      beforeAfterTable(before!, after!),
      '',
      'pods in source/default:', ...podsBefore.map((l) => `  ${l}`),
      `pods in target/${targetNamespace}:`, ...podsAfter.map((l) => `  ${l}`),
      `without the modifier rules (target/${controlNamespace}): web-0 Pending, ${controlReason}`,
      ...(pagesMatch ? ['each pod in the target serves the page written into its volume in the source (volume data through the bucket)'] : []),
      '',
      `restore ${restoreName}: ${restoreCounts}`,
      '',
      'time per step:',
      ...steps.timings.map((t) => `  ${formatMs(t.ms).padStart(10)}  ${t.name}`),
      '',
      'the web console over the same stack: `npx tsx scripts/offline/offline.ts` starts the functions again and prints its address and token',
      '',
      problems.length ? `NOT AS EXPECTED:\n  - ${problems.join('\n  - ')}` : 'OK: restored into default1, image from the mapped registry, node affinity removed, pods running on the unlabelled node.',
      '',
    ];
    process.stdout.write(out.join('\n'));
    return problems.length ? 1 : 0;
  } catch (err) {
    if (!(err instanceof StepFailed)) process.stderr.write(`[demo] ${(err as Error).stack ?? String(err)}\n`);
    process.stderr.write(`\n[demo] stopped at: ${err instanceof StepFailed ? err.step : 'setup'}\n`);
    return 1;
  } finally {
    await cleanup();
  }
}

main().then((code) => process.exit(code));
