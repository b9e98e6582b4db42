/** The console's HTTP shapes, independent of API Gateway: what a route sees and what it answers. */

/** One HTTP request, as the handler parsed it from the API Gateway event. */
export interface ConsoleRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body?: string;
  /** Set when API Gateway's authorizer (JWT or IAM) let the request through: who it is. */
  authorizedBy?: string;
}

/** One HTTP answer. */
export interface ConsoleResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Headers on every answer: no caching of data, no MIME sniffing, no framing, and a content security policy that
 * allows only the console's own script and style (no inline script, so injected markup cannot run).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

/** A JSON answer. */
export function json(status: number, value: unknown): ConsoleResponse {
  return { status, headers: { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(value) };
}

/** A static asset answer. */
export function asset(contentType: string, body: string): ConsoleResponse {
  return { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': contentType }, body };
}

/** Parses a JSON request body into an object; throws a message naming what is wrong. */
export function parseJsonBody(body: string | undefined): Record<string, unknown> {
  if (!body) throw new Error('the request has no body: expected a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    throw new Error(`the request body is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('the request body must be a JSON object');
  return value as Record<string, unknown>;
}
