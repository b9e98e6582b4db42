import type { MiddlewareObj } from '@middy/core';
import type { Redactor } from '../../lib/kube/credentials/redact.js';

/** Masks credentials in what the handler returns, as a last net: results name objects and counts, never secrets. */
export function redactResult(options: { redactor: Redactor }): MiddlewareObj<unknown, unknown> {
  const redactResultAfter = (request: { response: unknown }): void => {
    request.response = options.redactor.value(request.response);
  };
  return { name: 'redactResult', after: redactResultAfter };
}
