/**
 * Prints, as JSON, what serverless.yml needs from the user's files: the resolved config (for FERRY_CONFIG_JSON),
 * the IAM statements, the index function's bucket events (or its SQS queue: FERRY_INDEX_QUEUE_ARN) and one
 * schedule event per BackupSchedule.
 *   FERRY_CONFIG=ferry.yaml FERRY_SCHEDULES=schedules.yaml npx tsx scripts/deploy/template-values.ts <service>-<stage>
 * serverless.yml reads it through scripts/deploy/values.cjs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readConfig, type Env } from '../../functions/compose.js';
import type { FerryConfig } from '../../lib/spec/config.js';
import { SpecError } from '../../lib/spec/problems.js';
import { alarmOutputs, alarmResources, type CfnResource } from './alarms.js';
import { functionRoles, keyPrefix, type RoleResource } from './iam-statements.js';
import { scheduleEvents, type ScheduleEvent } from './schedule-events.js';

/** What triggers `index`: the bucket's notifications, or (FERRY_INDEX_QUEUE_ARN) an SQS queue they go to. */
export type IndexEvent =
  | { s3: { bucket: string; event: string; rules: { prefix: string }[]; existing: boolean } }
  | { sqs: { arn: string; batchSize: number; functionResponseType: 'ReportBatchItemFailures' } };

/** Everything the template takes from the user's config and schedules. */
export interface TemplateValues {
  configJson: string;
  /** One IAM role per function, as CloudFormation resources. */
  roleResources: Record<string, RoleResource>;
  /** The alarm topic and the alarms on failed backups (scripts/deploy/alarms.ts), and the topic's ARN as an output. */
  alarmResources: Record<string, CfnResource>;
  alarmOutputs: Record<string, unknown>;
  indexEvents: IndexEvent[];
  scheduleEvents: ScheduleEvent[];
  /** The schedules file's text, for the console's schedules page ("" when there is none). */
  schedulesYaml: string;
}

/** Computes the template values from an environment (FERRY_CONFIG / _JSON / _YAML, FERRY_SCHEDULES); `rulePrefix` is `<service>-<stage>`. */
export function templateValues(env: Env, rulePrefix: string): TemplateValues {
  const configEnv = env.FERRY_CONFIG || env.FERRY_CONFIG_JSON || env.FERRY_CONFIG_YAML ? env : { ...env, FERRY_CONFIG: 'ferry.yaml' };
  const config = readConfig(configEnv);
  const schedulesFile = env.FERRY_SCHEDULES ?? (existsSync('schedules.yaml') ? 'schedules.yaml' : undefined);
  const schedulesText = schedulesFile ? readFileSync(resolve(schedulesFile), 'utf8') : '';
  const schedules = schedulesFile ? scheduleEvents(schedulesText, schedulesFile, rulePrefix) : [];
  // Offline, schedules fire from scripts/offline's own scheduler (FERRY_SCHEDULES is empty there); the console still lists them.
  const schedulesYaml = env.FERRY_CONSOLE_SCHEDULES ? readFileSync(resolve(env.FERRY_CONSOLE_SCHEDULES), 'utf8') : schedulesText;
  // S3 event notifications exist only on AWS buckets; a custom endpoint (versitygw) gets its events by webhook.
  const queueArn = env.FERRY_INDEX_QUEUE_ARN || undefined;
  // From a queue, index answers which messages failed (a partial batch response), so one bad message is retried alone.
  const indexEvents: IndexEvent[] = queueArn
    ? [{ sqs: { arn: queueArn, batchSize: 10, functionResponseType: 'ReportBatchItemFailures' } }]
    : Object.values(config.storageLocations).filter((l) => !l.endpoint).map((l) => ({
      s3: { bucket: l.bucket, event: 's3:ObjectCreated:*', rules: [{ prefix: `${keyPrefix(l)}backups/` }], existing: true },
    }));
  return {
    configJson: JSON.stringify(configDocument(config)), roleResources: functionRoles(config, rulePrefix, { indexQueueArn: queueArn }),
    alarmResources: alarmResources(rulePrefix, env.FERRY_ALARM_EMAIL || undefined), alarmOutputs: alarmOutputs(),
    indexEvents, scheduleEvents: schedules, schedulesYaml,
  };
}

/** A parsed config written back in the form users write (and parseConfig reads), variables already substituted. */
export function configDocument(config: FerryConfig): Record<string, unknown> {
  const clusters = Object.fromEntries(Object.entries(config.clusters).map(([name, c]) => {
    const usedBy = c.usedBy ? { usedBy: c.usedBy } : {};
    switch (c.type) {
      case 'kubeconfig': return [name, { kubeconfig: c.file, ...(c.context ? { context: c.context } : {}), ...usedBy }];
      case 'secretsManager': return [name, { secretsManager: { secretId: c.secretId, ...(c.region ? { region: c.region } : {}) }, ...(c.context ? { context: c.context } : {}), ...usedBy }];
      case 'eks': return [name, { eks: { name: c.name, region: c.region }, ...usedBy }];
    }
  }));
  // volumeData's timeout is parsed into milliseconds: written back as the duration the config takes.
  const storageLocations = Object.fromEntries(Object.entries(config.storageLocations).map(([name, l]) => {
    if (!l.volumeData) return [name, l];
    const { moverTimeoutMs, ...volumeData } = l.volumeData;
    return [name, { ...l, volumeData: { ...volumeData, ...(moverTimeoutMs !== undefined ? { moverTimeout: `${moverTimeoutMs}ms` } : {}) } }];
  }));
  return {
    apiVersion: 'ferry.dev/v1', kind: 'FerryConfig', clusters, storageLocations,
    defaultStorageLocation: config.defaultStorageLocation, ...(config.defaultCluster ? { defaultCluster: config.defaultCluster } : {}),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.stdout.write(JSON.stringify(templateValues(process.env, process.argv[2] ?? 'ferry')));
  } catch (err) {
    process.stderr.write(`${err instanceof SpecError ? 'invalid schedules or config:\n' : ''}${(err as Error).message}\n`);
    process.exit(2);
  }
}
