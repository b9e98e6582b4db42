/** The console's errors: each carries the HTTP status the API answers with. */

/** A request the console refuses or cannot serve; `status` is the HTTP status, `problems` the details shown. */
export class ConsoleError extends Error {
  override name = 'ConsoleError';
  constructor(readonly status: number, message: string, readonly problems: string[] = [], options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A request without valid credentials (401): nothing was read or done. */
export class UnauthorizedError extends ConsoleError {
  override name = 'UnauthorizedError';
  constructor(message: string) {
    super(401, message);
  }
}

/** A request the console's settings do not allow it to answer at all (fails closed: 503). */
export class ConsoleSettingsError extends Error {
  override name = 'ConsoleSettingsError';
}
