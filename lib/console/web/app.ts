/// <reference lib="dom" />
/** The web app's entry: the token, and the hash router over the pages. */
import { adoptTokenFromAddress, ApiError, token } from './api.js';
import { h, show, type Child } from './dom.js';
import { backupPage, backupsPage, restoresPage, schedulesPage, tokenPage } from './pages.js';
import { progressPage, restorePage } from './restore-page.js';

let generation = 0;

async function render(): Promise<void> {
  const mine = ++generation;
  if (!token()) return tokenPage();
  const [path = '', queryText = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  // A page still loading when the user moves on must not replace the page they moved to.
  const current = () => mine === generation;
  const view = (...children: Child[]) => { if (current()) show(...children); };
  try {
    if (parts[0] === 'backups' && parts[1]) await backupPage(parts[1], view);
    else if (parts[0] === 'restore') await restorePage(new URLSearchParams(queryText), view);
    else if (parts[0] === 'restores' && parts[1]) await progressPage(parts[1], current, (ms) => new Promise((r) => setTimeout(r, ms)), view);
    else if (parts[0] === 'restores') await restoresPage(view);
    else if (parts[0] === 'schedules') await schedulesPage(view);
    else await backupsPage(view);
  } catch (err) {
    if (!current()) return;
    if (err instanceof ApiError && err.status === 401) return tokenPage(err.message);
    show(h('h1', {}, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, (err as Error).message));
  }
}

adoptTokenFromAddress();
addEventListener('hashchange', () => void render());
void render();
