#!/usr/bin/env bash
# Proves serverless.yml is a valid template: builds the five function artifacts, runs `osls package` with the
# example config and schedules in deploy/examples, and checks the CloudFormation it wrote: five functions, each
# with its own role; the console's API behind the Cognito JWT authorizer (only the page's files open); one enabled-or-paused rule per BackupSchedule carrying its document and firing time; the
# index bucket notification; the alarm topic and the alarm on failed backups; no IAM statement whose resource is
# "*"; each role writing only its own keys and reading only its own clusters' credentials; no Lambda retries of
# backup. Needs no AWS account or credentials.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
say() { printf '[package-check] %s\n' "$*" >&2; }

if [[ "${FERRY_SKIP_BUILD:-}" == 1 ]]; then
  say "FERRY_SKIP_BUILD=1: packaging the artifacts already in dist/functions"
else
  say "building function artifacts"
  npx tsx scripts/build/functions.ts
fi
unzip -l dist/functions/expire.zip | grep ' bin/kopia$' >/dev/null || { say "dist/functions/expire.zip has no bin/kopia (expiry runs it)"; exit 1; }

say "osls package (stage ci)"
FERRY_CONFIG=deploy/examples/ferry.yaml FERRY_SCHEDULES=deploy/examples/schedules.yaml \
  AWS_REGION=eu-central-1 SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
  npx osls package --stage ci --package "$out" >&2

node - "$out/cloudformation-template-update-stack.json" <<'JS'
const fs = require('node:fs');
const template = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const resources = Object.entries(template.Resources);
const problems = [];
const of = (type) => resources.filter(([, r]) => r.Type === type);

const functions = of('AWS::Lambda::Function').map(([id]) => id).filter((id) => !id.startsWith('CustomDash'));
for (const f of ['Backup', 'Index', 'Restore', 'Expire', 'Console']) if (!functions.includes(`${f}LambdaFunction`)) problems.push(`no ${f} function`);

const rules = of('AWS::Events::Rule').filter(([id]) => id.startsWith('Backup'));
const expected = { 'ferry-ci-default-nightly': ['cron(1 4 * * ? *)', 'ENABLED'], 'ferry-ci-default-frequent': ['rate(390 minutes)', 'ENABLED'], 'ferry-ci-cluster-weekly': ['cron(0 3 ? * 1 *)', 'DISABLED'] };
if (rules.length !== Object.keys(expected).length) problems.push(`expected ${Object.keys(expected).length} backup schedules, found ${rules.length}`);
for (const [, r] of rules) {
  const want = expected[r.Properties.Name];
  if (!want) { problems.push(`unexpected schedule ${r.Properties.Name}`); continue; }
  if (r.Properties.ScheduleExpression !== want[0] || r.Properties.State !== want[1]) problems.push(`${r.Properties.Name}: ${r.Properties.ScheduleExpression} ${r.Properties.State}, expected ${want.join(' ')}`);
  const transformer = r.Properties.Targets[0].InputTransformer;
  const input = JSON.parse(transformer.InputTemplate.replace('<time>', '2026-01-10T03:00:00Z'));
  if (`ferry-ci-${input.schedule?.metadata?.name}` !== r.Properties.Name || transformer.InputPathsMap?.time !== '$.time') problems.push(`${r.Properties.Name} does not carry its own schedule document and firing time`);
}

const s3 = of('Custom::S3');
const config = s3[0]?.[1].Properties.BucketConfigs?.[0];
if (s3.length !== 1 || config?.Event !== 's3:ObjectCreated:*' || config?.Rules?.[0]?.Prefix !== 'clusters/idc/backups/') problems.push(`index bucket notification: ${JSON.stringify(config)}`);

if (template.Resources.IamRoleLambdaExecution) problems.push('a shared function role was made: every function should have its own');
const sub = (r) => (typeof r === 'string' ? r : r['Fn::Sub'] ?? JSON.stringify(r));
const statementsOf = (id) => template.Resources[id]?.Properties.Policies[0].PolicyDocument.Statement ?? [];
const sidsOf = (id) => statementsOf(id).map((s) => s.Sid);
let statementCount = 0;
for (const f of ['Backup', 'Index', 'Restore', 'Expire', 'Console']) {
  const fn = template.Resources[`${f}LambdaFunction`];
  if (JSON.stringify(fn?.Properties.Role) !== JSON.stringify({ 'Fn::GetAtt': [`Ferry${f}Role`, 'Arn'] })) problems.push(`${f} does not run as Ferry${f}Role`);
  for (const s of statementsOf(`Ferry${f}Role`)) {
    statementCount++;
    for (const r of [].concat(s.Resource).map(sub)) if (r === '*' || r.includes(':::*') || /lambda\/\*/.test(r)) problems.push(`Ferry${f}Role ${s.Sid} grants ${r}`);
  }
}
// The example config marks idc as the backup's cluster and prod as the restore's: each role reads only its own.
const want = {
  FerryBackupRole: { sids: ['Objectsdefaultbackups', 'ListUploadsdefault', 'ReadClusterSecrets'], not: ['DescribeEksClusters', 'Objectsdefault'] },
  FerryRestoreRole: { sids: ['Objectsdefault', 'Objectsdefaultrestores', 'DescribeEksClusters', 'ContinueItself'], not: ['ReadClusterSecrets'] },
  FerryIndexRole: { sids: ['Objectsdefault', 'Objectsdefaultpluginsferry', 'Objectsdefaultcatalog'], not: ['ReadClusterSecrets', 'DescribeEksClusters'] },
  FerryExpireRole: { sids: ['Objectsdefault', 'Objectsdefaultbackups', 'ListUploadsdefault'], not: ['ReadClusterSecrets', 'DescribeEksClusters'] },
};
for (const [id, { sids, not }] of Object.entries(want)) {
  for (const sid of ['WriteOwnLogs', 'ListBackupsdefault', ...sids]) if (!sidsOf(id).includes(sid)) problems.push(`${id} has no ${sid} statement`);
  for (const sid of not) if (sidsOf(id).includes(sid)) problems.push(`${id} has a ${sid} statement it should not`);
}
const writes = (id) => statementsOf(id).filter((s) => s.Action.includes('s3:PutObject')).flatMap((s) => [].concat(s.Resource).map(sub));
for (const [id, folder] of [['FerryIndexRole', 'plugins/ferry/*'], ['FerryRestoreRole', 'restores/*'], ['FerryBackupRole', 'backups/*']]) {
  if (!writes(id).every((r) => r.endsWith(`clusters/idc/${folder}`))) problems.push(`${id} may write outside ${folder}: ${writes(id).join(', ')}`);
}
if (!statementsOf('FerryExpireRole').find((s) => s.Sid === 'Objectsdefault')?.Action.includes('s3:DeleteObject')) problems.push('expire cannot delete');
for (const id of ['FerryBackupRole', 'FerryRestoreRole']) if (statementsOf(id).some((s) => s.Action.includes('s3:DeleteObject'))) problems.push(`${id} may delete objects`);
// The index deletes only the catalog's old folder, which it moves to plugins/ferry/ (lib/catalog/legacy-catalog.ts).
const indexDeletes = statementsOf('FerryIndexRole').filter((s) => s.Action.includes('s3:DeleteObject')).flatMap((s) => [].concat(s.Resource).map(sub));
if (!indexDeletes.every((r) => r.endsWith('clusters/idc/catalog/*'))) problems.push(`FerryIndexRole may delete outside catalog/: ${indexDeletes.join(', ')}`);
const invokeConfig = of('AWS::Lambda::EventInvokeConfig').find(([id]) => id.startsWith('Backup'));
if (invokeConfig?.[1].Properties.MaximumRetryAttempts !== 0) problems.push(`backup is retried by Lambda: ${JSON.stringify(invokeConfig?.[1].Properties)}`);

const alarm = template.Resources.FerryBackupFailedAlarm?.Properties;
if (template.Resources.FerryAlarmTopic?.Type !== 'AWS::SNS::Topic') problems.push('no alarm topic');
if (alarm?.MetricName !== 'BackupFailed' || JSON.stringify(alarm?.AlarmActions) !== JSON.stringify([{ Ref: 'FerryAlarmTopic' }])) problems.push(`no alarm on failed backups to the topic: ${JSON.stringify(alarm)}`);
if (!template.Outputs?.FerryAlarmTopicArn) problems.push('no FerryAlarmTopicArn output');

// The console: its data routes behind the Cognito JWT authorizer, only the page's three files open; it reads only.
const routes = of('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
const openRoutes = routes.filter((r) => r.AuthorizationType !== 'JWT').map((r) => r.RouteKey).sort();
if (JSON.stringify(openRoutes) !== JSON.stringify(['GET /', 'GET /app.css', 'GET /app.js'])) problems.push(`HTTP API routes without the JWT authorizer: ${openRoutes.join(', ')}`);
if (!routes.some((r) => r.RouteKey === 'ANY /api/{proxy+}' && r.AuthorizationType === 'JWT')) problems.push('the console API is not behind the JWT authorizer');
const jwt = of('AWS::ApiGatewayV2::Authorizer')[0]?.[1].Properties;
if (JSON.stringify(jwt?.JwtConfiguration?.Audience) !== JSON.stringify([{ Ref: 'ConsoleUserPoolClient' }])) problems.push(`the JWT authorizer does not take the console's user pool client: ${JSON.stringify(jwt)}`);
if (statementsOf('FerryConsoleRole').some((s) => s.Action.some((a) => a.startsWith('s3:') && !['s3:GetObject', 's3:ListBucket'].includes(a)))) problems.push('FerryConsoleRole may change the bucket');

if (problems.length) {
  console.error(`[package-check] the template is not what serverless.yml should make:\n  - ${problems.join('\n  - ')}`);
  process.exit(1);
}
console.error(`[package-check] ok: ${functions.length} functions each with its own role, ${rules.length} backup schedules, ${statementCount} IAM statements`);
JS
