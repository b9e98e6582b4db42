/**
 * The console's routes: the web app's three files, open to anyone (they hold no data), and the JSON API under
 * /api/, where every request must carry the credential first. Pure over its dependencies: the handler parses
 * API Gateway's event into a ConsoleRequest and maps the ConsoleResponse back.
 */
import { checkAccess, type ConsoleAuth } from './auth.js';
import { describeBackup, listBackups } from './backups.js';
import type { ConsoleDeps } from './deps.js';
import { ConsoleError } from './errors.js';
import { asset, json, parseJsonBody, type ConsoleRequest, type ConsoleResponse } from './http.js';
import { previewRestore } from './preview.js';
import { readRestoreForm } from './restore-form.js';
import { listRestores, restoreStatus, startRestore } from './restores.js';
import { listSchedules, startScheduledBackup } from './schedules.js';

/** The web app's files, bundled with the function. */
export interface ConsoleAssets {
  html: string;
  js: string;
  css: string;
}

type Route = [method: string, pattern: RegExp, handle: (deps: ConsoleDeps, request: ConsoleRequest, params: string[]) => Promise<unknown>];

const body = (request: ConsoleRequest) => {
  try {
    return parseJsonBody(request.body);
  } catch (err) {
    throw new ConsoleError(400, (err as Error).message);
  }
};

const API: Route[] = [
  ['GET', /^\/api\/backups$/, (deps) => listBackups(deps)],
  ['GET', /^\/api\/backups\/([^/]+)$/, (deps, _r, [name]) => describeBackup(deps, name!)],
  ['GET', /^\/api\/clusters$/, async (deps) => ({ clusters: deps.clusters, location: deps.location })],
  ['POST', /^\/api\/restores\/preview$/, (deps, r) => previewRestore(deps, readRestoreForm(body(r), deps.clusters))],
  ['POST', /^\/api\/restores$/, (deps, r) => startRestore(deps, readRestoreForm(body(r), deps.clusters))],
  ['GET', /^\/api\/restores$/, async (deps) => ({ restores: await listRestores(deps) })],
  ['GET', /^\/api\/restores\/([^/]+)$/, (deps, _r, [name]) => restoreStatus(deps, name!)],
  ['GET', /^\/api\/schedules$/, async (deps) => ({ schedules: listSchedules(deps) })],
  ['POST', /^\/api\/schedules\/([^/]+)\/backups$/, (deps, _r, [name]) => startScheduledBackup(deps, name!)],
];

/**
 * Answers one request. Assets need no credential; every /api/ request is refused (401) without one, before
 * anything is read. Errors of the request are answered with their status and message; others propagate.
 */
export async function route(request: ConsoleRequest, auth: ConsoleAuth, deps: () => ConsoleDeps, assets: ConsoleAssets): Promise<ConsoleResponse> {
  if (request.method === 'GET' && (request.path === '/' || request.path === '/index.html')) return asset('text/html; charset=utf-8', assets.html);
  if (request.method === 'GET' && request.path === '/app.js') return asset('text/javascript; charset=utf-8', assets.js);
  if (request.method === 'GET' && request.path === '/app.css') return asset('text/css; charset=utf-8', assets.css);
  try {
    if (!request.path.startsWith('/api/')) throw new ConsoleError(404, `no page ${request.path.slice(0, 200)}`);
    checkAccess(request, auth);
    const matches = API.filter(([, pattern]) => pattern.test(request.path));
    if (matches.length === 0) throw new ConsoleError(404, `no API ${request.path.slice(0, 200)}`);
    const found = matches.find(([method]) => method === request.method);
    if (!found) throw new ConsoleError(405, `${request.method} is not allowed on ${request.path.slice(0, 200)}`);
    // Mutations come as JSON only: a form another site posts cannot be JSON, and carries no token anyway.
    if (request.method === 'POST' && !/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
      throw new ConsoleError(415, 'send the request body as application/json');
    }
    let params: string[];
    try {
      params = found[1].exec(request.path)!.slice(1).map((p) => decodeURIComponent(p));
    } catch {
      throw new ConsoleError(400, 'the path is not valid percent-encoding');
    }
    // Starting something answers 202 (it runs on); everything else 200.
    const status = request.method === 'POST' && !request.path.endsWith('/preview') ? 202 : 200;
    return json(status, await found[2](deps(), request, params));
  } catch (err) {
    if (err instanceof ConsoleError) return json(err.status, { error: err.message, problems: err.problems });
    throw err;
  }
}
