// The console's entry: reads who is signed in, then draws the page of the address. Each page is a
// module of its own (pages/<name>.js), loaded when it is opened.
import { html, render, loadSession, Page, Banner, errorText, strings } from './lib.js';

const t = strings({
  zh: { notFound: '没有这个页面', failed: '页面加载失败' },
  en: { notFound: 'No such page', failed: 'The page did not load' },
});

// [address pattern, page module]: the first that matches the path is drawn; its groups are the page's `params`.
const PAGES = [
  [/^\/complaints\/new$/, './pages/complaintNew.js'],
  [/^\/complaints\/([^/]+)$/, './pages/complaint.js'],
  [/^\/complaints$/, './pages/complaints.js'],
  [/^\/follow-ups$/, './pages/followUps.js'],
  [/^\/directory$/, './pages/directory.js'],
  [/^\/calendars$/, './pages/calendars.js'],
  [/^\/service-visits$/, './pages/service-visits.js'],
  [/^\/penalties$/, './pages/penalties.js'],
  [/^\/claims$/, './pages/claims.js'],
  [/^\/what-if$/, './pages/what-if.js'],
  [/^\/users$/, './pages/users.js'],
  [/^\/tokens$/, './pages/tokens.js'],
];

async function start() {
  const root = document.getElementById('root');
  const path = location.pathname.replace(/\/$/, '') || '/';
  const match = PAGES.map(([pattern, module]) => [path.match(pattern), module]).find(([m]) => m);
  try {
    await loadSession();
    if (!match) {
      render(html`<${Page} title=${t('notFound')}><${Banner}>${t('notFound')}<//><//>`, root);
      return;
    }
    const [m, module] = match;
    const page = await import(module);
    render(html`<${page.default} params=${m.slice(1).map(decodeURIComponent)} />`, root);
  } catch (error) {
    render(html`<${Page} title=${t('failed')}><${Banner}>${errorText(error)}<//><//>`, root);
  }
}

start();
