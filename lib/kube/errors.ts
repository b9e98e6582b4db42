/** Base class of every error the cluster port raises; `status` is the API server's HTTP status (0: no answer). */
export class ClusterError extends Error {
  override name = 'ClusterError';
  constructor(message: string, readonly status: number, readonly reason?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The object or resource does not exist (404). */
export class NotFound extends ClusterError {
  override name = 'NotFound';
}

/** The object already exists (409 AlreadyExists). */
export class AlreadyExists extends ClusterError {
  override name = 'AlreadyExists';
}

/** A write lost a race (409 Conflict). */
export class Conflict extends ClusterError {
  override name = 'Conflict';
}

/** A list's continue token expired (410 Gone): the list must restart. */
export class Expired extends ClusterError {
  override name = 'Expired';
}

/**
 * A 2xx answer whose body is not what the API server sends (HTML from a proxy or a login page, a cut-off body): the
 * request is not retried, and the caller treats it as that request's failure, as any other ClusterError.
 */
export class MalformedAnswer extends ClusterError {
  override name = 'MalformedAnswer';
}

/** The server asks the client to slow down (429); `retryAfterSeconds` from the Retry-After header. */
export class TooManyRequests extends ClusterError {
  override name = 'TooManyRequests';
  constructor(message: string, readonly retryAfterSeconds: number | undefined, options?: { cause?: unknown }) {
    super(message, 429, 'TooManyRequests', options);
  }
}

/** True for failures worth retrying: 429, 5xx, and no answer at all (timeouts, resets). */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof ClusterError)) return false;
  return err.status === 0 || err.status === 429 || err.status >= 500;
}

/** Builds the port's error for an API server answer. */
export function errorForStatus(status: number, body: string, what: string, retryAfter?: string): ClusterError {
  let message = body;
  let reason: string | undefined;
  try {
    const parsed = JSON.parse(body) as { message?: string; reason?: string };
    message = parsed.message ?? body;
    reason = parsed.reason;
  } catch {
    // Not a Status object: keep the raw body.
  }
  const text = `${what}: ${status}${reason ? ` ${reason}` : ''}: ${message}`.slice(0, 2000);
  if (status === 404) return new NotFound(text, status, reason);
  if (status === 409 && reason === 'AlreadyExists') return new AlreadyExists(text, status, reason);
  if (status === 409) return new Conflict(text, status, reason);
  if (status === 410) return new Expired(text, status, reason);
  if (status === 429) return new TooManyRequests(text, retryAfter ? Number(retryAfter) || undefined : undefined);
  return new ClusterError(text, status, reason);
}
