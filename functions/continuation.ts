/**
 * Re-invoking a function asynchronously with the event that continues its work (a restore from its checkpoint, a
 * backup whose volume moves outlast an invocation).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

/** Starts a fresh invocation with this event. */
export type ContinueLater = (event: Record<string, unknown>) => Promise<void>;

/** Re-invokes this function asynchronously through the Lambda API (FERRY_LAMBDA_ENDPOINT for a local one). */
export function lambdaContinuation(functionName: string | undefined, env: Record<string, string | undefined> = process.env): ContinueLater {
  let client: LambdaClient | undefined;
  return async (event) => {
    if (!functionName) throw new Error('cannot continue: the invocation has no function name');
    client ??= new LambdaClient(env.FERRY_LAMBDA_ENDPOINT ? { endpoint: env.FERRY_LAMBDA_ENDPOINT } : {});
    await client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(event)) }));
  };
}

/** Reads a `FERRY_<NAME>_MAX_INVOCATIONS` variable (default 20, 1 to 1000); throws an error naming it and its value. */
export function readMaxInvocations(env: Record<string, string | undefined>, variable: string, what: string): number {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === '') return 20;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || value < 1 || value > 1000) {
    throw new Error(`${variable} must be a whole number from 1 to 1000 (invocations one ${what} may take), got ${JSON.stringify(raw)}`);
  }
  return value;
}
