/** The STS port's adapter: AssumeRole through the AWS SDK, with the function's own credentials. */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AssumeRoleRequest, MoverCredentials, StsPort } from './mover-credentials.js';

/** The subset of STSClient the adapter uses (a fake in tests). */
export interface StsSender {
  send(command: AssumeRoleCommand): Promise<{ Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string } }>;
}

/** AssumeRole with a session policy; an answer without credentials is an error. */
export class SdkSts implements StsPort {
  constructor(private readonly client: StsSender = new STSClient({})) {}

  async assumeRole(request: AssumeRoleRequest): Promise<MoverCredentials> {
    const out = await this.client.send(new AssumeRoleCommand({
      RoleArn: request.roleArn, RoleSessionName: request.sessionName, Policy: request.policy, DurationSeconds: request.durationSeconds,
    }));
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error(`STS AssumeRole of ${request.roleArn} answered without credentials`);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  }
}
