import { describe, expect, it } from 'vitest';
import { checkAccess, readConsoleAuth } from '../../../lib/console/auth.js';
import { ConsoleSettingsError, UnauthorizedError } from '../../../lib/console/errors.js';
import { parseHttpEvent } from '../../../functions/console.js';
import { parseMapping } from '../../../lib/console/web/restore-page.js';

describe('console access', () => {
  it.each([
    ['token mode without a token refuses to start', {}, /FERRY_CONSOLE_TOKEN must be set/],
    ['a token shorter than 16 characters is refused', { FERRY_CONSOLE_TOKEN: 'short' }, /at least 16/],
    ['an unknown mode is refused', { FERRY_CONSOLE_AUTH: 'none', FERRY_CONSOLE_TOKEN: 'x'.repeat(20) }, /token or authorizer/],
  ])('%s', (_case, env, message) => {
    expect(() => readConsoleAuth(env)).toThrow(ConsoleSettingsError);
    expect(() => readConsoleAuth(env)).toThrow(message);
  });

  it('reads token mode (the default) and authorizer mode', () => {
    expect(readConsoleAuth({ FERRY_CONSOLE_TOKEN: ' a-token-of-twenty-chars ' })).toEqual({ mode: 'token', token: 'a-token-of-twenty-chars' });
    expect(readConsoleAuth({ FERRY_CONSOLE_AUTH: 'authorizer' })).toEqual({ mode: 'authorizer' });
  });

  it('in authorizer mode lets through only what API Gateway\'s authorizer passed (its claims in the request context)', () => {
    const passed = parseHttpEvent({ rawPath: '/api/backups', requestContext: { http: { method: 'GET' }, authorizer: { jwt: { claims: { sub: 'user-1' } } } } });
    expect(passed.authorizedBy).toBe('user-1');
    expect(() => checkAccess(passed, { mode: 'authorizer' })).not.toThrow();
    const bare = parseHttpEvent({ rawPath: '/api/backups', headers: { Authorization: 'Bearer anything' }, requestContext: { http: { method: 'GET' } } });
    expect(() => checkAccess(bare, { mode: 'authorizer' })).toThrow(UnauthorizedError);
  });

  it('parses the HTTP API event: lower-case headers, a base64 body decoded, the method from the request context', () => {
    const req = parseHttpEvent({ rawPath: '/api/restores', headers: { 'Content-Type': 'application/json' }, body: Buffer.from('{"a":1}').toString('base64'), isBase64Encoded: true, requestContext: { http: { method: 'post' } } });
    expect(req).toEqual({ method: 'POST', path: '/api/restores', query: {}, headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
  });
});

describe('the restore form\'s mapping fields', () => {
  it.each([
    ['from=to lines, blank lines ignored', 'default=default1\n\n  shop = shop2 \n', { default: 'default1', shop: 'shop2' }],
    ['YAML-like from: to lines', 'gp2: gp3', { gp2: 'gp3' }],
    ['an image prefix keeps its own ":" after the first separator', 'old.example/team=new.example:5000/team', { 'old.example/team': 'new.example:5000/team' }],
    ['a line without a separator maps to "" (the spec reader then names it)', 'lonely', { lonely: '' }],
  ])('reads %s', (_case, text, expected) => {
    expect(parseMapping(text)).toEqual(expected);
  });
});
