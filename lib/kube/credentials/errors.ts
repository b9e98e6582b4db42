/** Thrown when a cluster's credentials cannot be obtained; the message never carries a credential. */
export class CredentialError extends Error {
  override name = 'CredentialError';
  constructor(message: string, readonly cluster: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
