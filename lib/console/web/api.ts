/// <reference lib="dom" />
/**
 * The web app's calls to the console's JSON API. The token lives in this tab's sessionStorage and goes only in
 * the Authorization header: no cookie, so no other site can make the browser use it.
 */
const KEY = 'ferry-console-token';

/** An API answer that was not 2xx: its status, message and problems. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(readonly status: number, message: string, readonly problems: string[] = []) {
    super(message);
  }
}

/** Takes a token from the address (`#token=...`), keeps it for this tab, and removes it from the address. */
export function adoptTokenFromAddress(): void {
  const match = /^#token=([^&]+)/.exec(location.hash);
  if (!match) return;
  sessionStorage.setItem(KEY, decodeURIComponent(match[1]!));
  history.replaceState(null, '', `${location.pathname}#/backups`);
}

/** The token of this tab, if any. */
export function token(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

/** Keeps a token for this tab (or forgets it). */
export function setToken(value: string | undefined): void {
  if (value) sessionStorage.setItem(KEY, value);
  else sessionStorage.removeItem(KEY);
}

/** Calls the API; throws ApiError for a non-2xx answer. */
export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${token() ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`api/${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), credentials: 'omit' });
  const text = await response.text();
  let value: unknown;
  try {
    value = text ? JSON.parse(text) : undefined;
  } catch {
    value = { error: text.slice(0, 300) };
  }
  if (!response.ok) {
    const e = (value ?? {}) as { error?: string; problems?: string[] };
    throw new ApiError(response.status, e.error ?? `HTTP ${response.status}`, e.problems ?? []);
  }
  return value as T;
}
