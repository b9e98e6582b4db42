/** The object does not exist. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(readonly key: string, options?: { cause?: unknown }) {
    super(`object not found: ${key}`, options);
  }
}

/** A conditional write lost: the object exists (If-None-Match) or changed (If-Match). */
export class PreconditionFailedError extends Error {
  override name = 'PreconditionFailedError';
  constructor(readonly key: string, options?: { cause?: unknown }) {
    super(`precondition failed for ${key}: it exists or changed since it was read`, options);
  }
}

/** Any other failure of the object store, with the operation and key it concerned. */
export class StoreError extends Error {
  override name = 'StoreError';
  constructor(readonly operation: string, readonly key: string, options?: { cause?: unknown }) {
    super(`object store ${operation} ${key} failed: ${(options?.cause as Error | undefined)?.message ?? 'unknown error'}`, options);
  }
}

/** An object in the bucket is too large, not valid gzip, not JSON, or not of the expected shape; `key` names it. */
export class BucketDataError extends Error {
  override name = 'BucketDataError';
  constructor(readonly key: string, readonly problem: string, options?: { cause?: unknown }) {
    super(`${key}: ${problem}`, options);
  }
}
