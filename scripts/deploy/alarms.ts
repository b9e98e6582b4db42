/**
 * The alarms of a deployment: an SNS topic the user subscribes to (FERRY_ALARM_EMAIL subscribes an address at
 * deploy time), an alarm on Ferry's BackupFailed metric (any backup invocation that did not take a backup, written
 * by the function as EMF) and one on the backup function's Lambda errors (which also counts runs that were killed,
 * by a timeout say, before they could write a metric).
 */
import { METRICS_NAMESPACE } from '../../functions/metrics.js';

/** A CloudFormation resource. */
export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
}

/** The topic's logical id; its ARN is the stack output FerryAlarmTopicArn. */
export const ALARM_TOPIC_ID = 'FerryAlarmTopic';

/** The topic, its optional e-mail subscription and the backup alarms. `functionPrefix` is `<service>-<stage>`. */
export function alarmResources(functionPrefix: string, email?: string): Record<string, CfnResource> {
  const topic = { Ref: ALARM_TOPIC_ID };
  const common = {
    EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Statistic: 'Sum',
    // No backup in a period is no failure: a schedule runs nightly, the alarm looks at every 5 minutes.
    TreatMissingData: 'notBreaching', AlarmActions: [topic], OKActions: [topic],
  };
  return {
    [ALARM_TOPIC_ID]: { Type: 'AWS::SNS::Topic', Properties: { TopicName: `${functionPrefix}-alarms`, DisplayName: 'Ferry alarms' } },
    ...(email ? { FerryAlarmEmail: { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: topic, Protocol: 'email', Endpoint: email } } } : {}),
    FerryBackupFailedAlarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: `${functionPrefix}-backup-failed`,
        AlarmDescription: 'A Ferry backup failed: see the backup function\'s log for the run (its error names the cause)',
        Namespace: METRICS_NAMESPACE, MetricName: 'BackupFailed',
        // The dimensions the backup function writes its metrics with (functions/metrics.ts), exactly.
        Dimensions: [{ Name: 'service', Value: 'ferry' }, { Name: 'function', Value: 'backup' }],
        Period: 300, ...common,
      },
    },
    FerryBackupErrorsAlarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: `${functionPrefix}-backup-errors`,
        AlarmDescription: 'The Ferry backup function failed or was stopped (a timeout counts) before it could report',
        Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: `${functionPrefix}-backup` }],
        Period: 300, ...common,
      },
    },
  };
}

/** The stack outputs: the alarm topic's ARN, to subscribe to. */
export function alarmOutputs(): Record<string, unknown> {
  return { FerryAlarmTopicArn: { Description: 'Subscribe to this SNS topic for Ferry\'s alarms', Value: { Ref: ALARM_TOPIC_ID } } };
}
