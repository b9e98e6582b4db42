/** A patch could not be applied to an object: the rule leaves the object unchanged and the message is reported. */
export class PatchApplyError extends Error {
  override name = 'PatchApplyError';

  /** `where` is a JSON pointer or a dotted field path inside the object, when one is known. */
  constructor(message: string, readonly where?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A JSON patch `test` operation did not hold: the rule is skipped silently, as Velero does. */
export class PatchTestFailedError extends Error {
  override name = 'PatchTestFailedError';

  constructor(readonly path: string, options?: { cause?: unknown }) {
    super(`test failed at ${path}`, options);
  }
}
