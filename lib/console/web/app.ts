/// <reference lib="dom" />
/** The web app's entry: the token, and the hash router over the pages. */
import { adoptTokenFromAddress, ApiError, token } from './api.js';
import { h, show } from './dom.js';
import { backupPage, backupsPage, restoresPage, schedulesPage, tokenPage } from './pages.js';
import { progressPage, restorePage } from './restore-page.js';

let generation = 0;

async function render(): Promise<void> {
  const mine = ++generation;
  if (!token()) return tokenPage();
  const [path = '', queryText = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  try {
    if (parts[0] === 'backups' && parts[1]) await backupPage(parts[1]);
    else if (parts[0] === 'restore') await restorePage(new URLSearchParams(queryText));
    else if (parts[0] === 'restores' && parts[1]) await progressPage(parts[1], () => mine === generation, (ms) => new Promise((r) => setTimeout(r, ms)));
    else if (parts[0] === 'restores') await restoresPage();
    else if (parts[0] === 'schedules') await schedulesPage();
    else await backupsPage();
  } catch (err) {
    if (mine !== generation) return;
    if (err instanceof ApiError && err.status === 401) return tokenPage(err.message);
    show(h('h1', {}, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, (err as Error).message));
  }
}

adoptTokenFromAddress();
addEventListener('hashchange', () => void render());
void render();
