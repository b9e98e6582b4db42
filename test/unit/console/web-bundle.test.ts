import { describe, expect, it } from 'vitest';
import { buildConsoleWeb, BUNDLE_BUDGET_GZIP_BYTES } from '../../../scripts/build/console-web.js';

describe('the console\'s web app bundle', () => {
  it('stays under its budget of 200 KB gzipped and loads nothing from another origin (no CDN)', async () => {
    const built = await buildConsoleWeb();
    expect(built.gzipBytes).toBeLessThan(BUNDLE_BUDGET_GZIP_BYTES);
    expect(built.html).toMatch(/<script src="app\.js" defer><\/script>/);
    for (const text of [built.html, built.css]) expect(text).not.toMatch(/(src|href|url)\s*[=(]\s*["']?(https?:)?\/\//i);
    expect(built.js).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    // Markup is built from text nodes, never parsed from strings.
    expect(built.js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});
