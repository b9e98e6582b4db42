import { describe, expect, it } from 'vitest';
import { configDocument, templateValues } from '../../../scripts/deploy/template-values.js';
import { parseConfig, type FerryConfig } from '../../../lib/spec/config.js';

describe('configDocument', () => {
  it('writes a parsed config back in the form parseConfig reads, for every kind of cluster source', () => {
    const config: FerryConfig = {
      clusters: {
        file: { type: 'kubeconfig', file: '/k/source.kubeconfig', context: 'ctx' },
        vault: { type: 'secretsManager', secretId: 'ferry/kube', region: 'eu-west-1', context: 'admin' },
        plain: { type: 'secretsManager', secretId: 'ferry/other', usedBy: ['backup'] },
        prod: { type: 'eks', name: 'prod', region: 'us-west-2', usedBy: ['restore'] },
      },
      storageLocations: {
        default: { bucket: 'b', prefix: 'p', endpoint: 'http://127.0.0.1:7070', forcePathStyle: true },
        moving: { bucket: 'b', prefix: 'q', volumeData: { repositoryPassword: 'a-long-password', moverImage: 'm:1', moverHostNetwork: true, moverTimeoutMs: 600_000 } },
      },
      defaultStorageLocation: 'default',
      defaultCluster: 'file',
    };
    expect(parseConfig(JSON.parse(JSON.stringify(configDocument(config))), 'FERRY_CONFIG_JSON')).toEqual(config);
  });
});

describe('templateValues', () => {
  it('embeds a config the functions can read back, with the packager\'s variables substituted', () => {
    const yaml = 'clusters:\n  prod: {eks: {name: prod, region: us-west-2}}\nstorageLocations:\n  default: {bucket: "${BUCKET}", prefix: ferry}\n';
    const values = templateValues({ FERRY_CONFIG_YAML: yaml, BUCKET: 'team-backups', FERRY_SCHEDULES: '' }, 'ferry-dev');
    const embedded = parseConfig(JSON.parse(values.configJson), 'FERRY_CONFIG_JSON');
    expect(embedded.storageLocations.default?.bucket).toBe('team-backups');
    expect(values.indexEvents).toEqual([{ s3: { bucket: 'team-backups', event: 's3:ObjectCreated:*', rules: [{ prefix: 'ferry/backups/' }], existing: true } }]);
    expect(values.scheduleEvents).toEqual([]);
  });

  it('takes index\'s events from an SQS queue when FERRY_INDEX_QUEUE_ARN names one, with partial batch responses and the role to read it', () => {
    const yaml = 'clusters: {}\nstorageLocations:\n  default: {bucket: b, prefix: ferry}\n';
    const arn = 'arn:aws:sqs:us-east-1:111122223333:ferry-index';
    const values = templateValues({ FERRY_CONFIG_YAML: yaml, FERRY_SCHEDULES: '', FERRY_INDEX_QUEUE_ARN: arn }, 'ferry-dev');
    expect(values.indexEvents).toEqual([{ sqs: { arn, batchSize: 10, functionResponseType: 'ReportBatchItemFailures' } }]);
    const statements = (values.roleResources.FerryIndexRole!.Properties.Policies as { PolicyDocument: { Statement: { Sid: string; Resource: unknown[] }[] } }[])[0]!.PolicyDocument.Statement;
    expect(statements.find((st) => st.Sid === 'ReadIndexQueue')?.Resource).toEqual([arn]);
    const backupStatements = JSON.stringify(values.roleResources.FerryBackupRole);
    expect(backupStatements).not.toContain('sqs:');
  });

  it('adds an alarm topic, an e-mail subscription when FERRY_ALARM_EMAIL is set, and alarms on BackupFailed and on the backup function\'s errors', () => {
    const yaml = 'clusters: {}\nstorageLocations:\n  default: {bucket: b}\n';
    const values = templateValues({ FERRY_CONFIG_YAML: yaml, FERRY_SCHEDULES: '', FERRY_ALARM_EMAIL: 'oncall@example.com' }, 'ferry-prod');
    const r = values.alarmResources;
    expect(r.FerryAlarmTopic).toEqual({ Type: 'AWS::SNS::Topic', Properties: { TopicName: 'ferry-prod-alarms', DisplayName: 'Ferry alarms' } });
    expect(r.FerryAlarmEmail?.Properties).toEqual({ TopicArn: { Ref: 'FerryAlarmTopic' }, Protocol: 'email', Endpoint: 'oncall@example.com' });
    expect(r.FerryBackupFailedAlarm?.Properties).toMatchObject({
      Namespace: 'Ferry', MetricName: 'BackupFailed', Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: [{ Name: 'service', Value: 'ferry' }, { Name: 'function', Value: 'backup' }], AlarmActions: [{ Ref: 'FerryAlarmTopic' }],
    });
    expect(r.FerryBackupErrorsAlarm?.Properties).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: 'ferry-prod-backup' }] });
    expect(values.alarmOutputs).toEqual({ FerryAlarmTopicArn: expect.objectContaining({ Value: { Ref: 'FerryAlarmTopic' } }) });
    expect(templateValues({ FERRY_CONFIG_YAML: yaml, FERRY_SCHEDULES: '' }, 'ferry-prod').alarmResources.FerryAlarmEmail).toBeUndefined();
  });

  it('names in the BackupFailed alarm exactly the dimensions the backup function writes its metrics with', async () => {
    const { createMetrics } = await import('../../../functions/metrics.js');
    const metrics = createMetrics('backup');
    metrics.addMetric('BackupFailed', 'Count', 1);
    const emf = metrics.serializeMetrics();
    const alarm = templateValues({ FERRY_CONFIG_YAML: 'clusters: {}\nstorageLocations:\n  default: {bucket: b}\n', FERRY_SCHEDULES: '' }, 'ferry-prod').alarmResources.FerryBackupFailedAlarm!.Properties;
    const dims = (alarm.Dimensions as { Name: string; Value: string }[]);
    expect(emf._aws.CloudWatchMetrics[0]!.Namespace).toBe(alarm.Namespace);
    expect(emf._aws.CloudWatchMetrics[0]!.Dimensions[0]).toEqual(dims.map((d) => d.Name));
    for (const d of dims) expect((emf as unknown as Record<string, unknown>)[d.Name]).toBe(d.Value);
    metrics.clearMetrics();
  });
});
