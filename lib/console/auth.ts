/**
 * Who may use the console. Locally the function checks a bearer token (the stack issues one); in AWS the HTTP
 * API's JWT authorizer (Cognito) checks the caller before the function runs, and the function checks that it did.
 * No cookies: a browser never sends the credential on its own, so another site cannot make requests with it (no CSRF).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { ConsoleSettingsError, UnauthorizedError } from './errors.js';
import type { ConsoleRequest } from './http.js';

/** How requests are authenticated. */
export type ConsoleAuth = { mode: 'token'; token: string } | { mode: 'authorizer' };

/** Shortest token accepted: a guessable one would be no protection. */
export const MIN_TOKEN_LENGTH = 16;

/**
 * Reads FERRY_CONSOLE_AUTH (`token`, the default, or `authorizer`) and FERRY_CONSOLE_TOKEN. Throws
 * ConsoleSettingsError when token mode has no token of at least MIN_TOKEN_LENGTH characters: never open by default.
 */
export function readConsoleAuth(env: Record<string, string | undefined>): ConsoleAuth {
  const mode = env.FERRY_CONSOLE_AUTH?.trim() || 'token';
  if (mode === 'authorizer') return { mode };
  if (mode !== 'token') throw new ConsoleSettingsError(`FERRY_CONSOLE_AUTH must be token or authorizer, got ${JSON.stringify(mode)}`);
  const token = env.FERRY_CONSOLE_TOKEN?.trim() ?? '';
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new ConsoleSettingsError(`FERRY_CONSOLE_TOKEN must be set to a token of at least ${MIN_TOKEN_LENGTH} characters (the console refuses every request without one)`);
  }
  return { mode, token };
}

/** Throws UnauthorizedError unless the request carries the credential `auth` asks for. */
export function checkAccess(request: ConsoleRequest, auth: ConsoleAuth): void {
  if (auth.mode === 'authorizer') {
    if (!request.authorizedBy) throw new UnauthorizedError('the request did not pass the API\'s authorizer');
    return;
  }
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new UnauthorizedError('send the console token as "Authorization: Bearer <token>"');
  if (!sameSecret(match[1]!, auth.token)) throw new UnauthorizedError('the token is not the console\'s');
}

/** Compares two secrets in constant time (hashed first, so lengths leak nothing either). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
