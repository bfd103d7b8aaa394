/**
 * The Vigil dashboard: plain ES modules, no framework, no build step (mount.ts serves this folder).
 * Routes live in the URL's hash, so one page serves them all and reloading keeps the place:
 *
 *   #/login  #/signup  #/sites  #/sites/{siteId}[/groups/{groupId}][/checks/{checkId}]
 *
 * One WebSocket carries the live updates of the site on screen (live.js); the site view applies
 * them (site-view.js).
 */
import { api, session, whenUnauthorized } from './api.js';
import { loginView, signupView } from './auth-views.js';
import { announce, fill, h } from './dom.js';
import { LiveConnection } from './live.js';
import { SiteView } from './site-view.js';
import { sitesView } from './sites-view.js';

const root = document.getElementById('app');
const CONNECTION_WORDS = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  error: 'Live updates refused',
};

let me = null;
let siteView = null;
const connection = h('p', { class: 'connection', 'data-state': 'connecting', role: 'status' }, CONNECTION_WORDS.connecting);

const live = new LiveConnection({
  token: () => session.token,
  onFrame: (frame) => siteView?.applyFrame(frame),
  onSubscribed: (siteId) => {
    if (siteView?.siteId === siteId) siteView.load();
  },
  onState: (state, detail) => {
    connection.dataset.state = state;
    connection.textContent = detail ? `${CONNECTION_WORDS[state]}: ${detail}` : CONNECTION_WORDS[state];
  },
  // A refused connection may be an expired token: asking the API finds out (a 401 logs out).
  onRefused: () => api('/me').catch(() => {}),
});

whenUnauthorized(() => {
  logOut('Your session has ended. Log in again.');
});

function parseRoute(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'login' || parts[0] === 'signup') return { name: parts[0] };
  if (parts[0] === 'sites' && parts[1]) {
    const after = (word) => {
      const index = parts.indexOf(word, 2);
      return index === -1 ? null : parts[index + 1] ?? null;
    };
    return { name: 'site', siteId: parts[1], groupId: after('groups'), checkId: after('checks') };
  }
  return { name: 'sites' };
}

async function route() {
  const target = parseRoute(location.hash);
  if (!session.token) {
    leaveSite();
    if (target.name !== 'login' && target.name !== 'signup') return go('#/login');
    document.title = target.name === 'login' ? 'Log in · Vigil' : 'Sign up · Vigil';
    return fill(root, target.name === 'login' ? loginView(loggedIn) : signupView(loggedIn));
  }
  if (target.name === 'login' || target.name === 'signup') return go('#/sites');
  try {
    me ??= await api('/me');
  } catch (error) {
    if (session.token) fill(root, h('main', { id: 'main', class: 'auth-page', tabindex: '-1' }, h('p', { class: 'form-error', role: 'alert' }, `Vigil cannot be reached (${error.message}). `, h('button', { type: 'button', class: 'button', onclick: route }, 'Try again'))));
    return;
  }
  if (target.name === 'sites') return showSites();
  return showSite(target);
}

function showSites() {
  leaveSite();
  document.title = 'Sites · Vigil';
  fill(root, shell(null), sitesView({
    sites: me.sites,
    onCreated: async (site) => {
      me = await api('/me');
      go(`#/sites/${encodeURIComponent(site.id)}`);
    },
  }));
}

async function showSite({ siteId, groupId, checkId }) {
  let site = me.sites.find((candidate) => candidate.id === siteId);
  if (!site) {
    // Added to a site since the page loaded?
    me = await api('/me');
    site = me.sites.find((candidate) => candidate.id === siteId);
  }
  if (!site) {
    leaveSite();
    return fill(root, shell(null), h('main', { id: 'main', class: 'sites-page', tabindex: '-1' }, h('h1', {}, 'Site not found'), h('p', {}, 'You have no role in this site, or it does not exist. ', h('a', { href: '#/sites' }, 'Choose a site'))));
  }
  if (siteView?.siteId !== siteId) {
    leaveSite();
    siteView = new SiteView({ site });
    fill(root, shell(site), siteView.element);
    live.watch(siteId);
  }
  document.title = `${site.name} · Vigil`;
  siteView.show({ groupId, checkId });
}

function leaveSite() {
  siteView?.close();
  siteView = null;
  live.watch(null);
}

function shell(site) {
  return h('header', { class: 'app-bar' },
    h('a', { class: 'brand', href: '#/sites' }, 'Vigil'),
    site ? h('h1', { class: 'site-title' }, site.name, h('span', { class: 'role muted' }, ` ${site.role}`)) : h('span', { class: 'site-title' }),
    site ? connection : null,
    h('span', { class: 'who muted' }, me.email),
    h('button', { type: 'button', class: 'button secondary', onclick: () => logOut('Logged out.') }, 'Log out'));
}

function loggedIn(token) {
  session.set(token);
  me = null;
  api('/me').then((answer) => {
    me = answer;
    go(me.sites.length === 1 ? `#/sites/${encodeURIComponent(me.sites[0].id)}` : '#/sites');
  }, () => go('#/sites'));
}

function logOut(message) {
  session.clear();
  me = null;
  live.stop();
  leaveSite();
  go('#/login');
  announce(message);
}

/** Navigates; routes run from the hashchange event (or at once when the hash is already there). */
function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

// The skip link must not change the hash (it holds the route): it moves the focus instead.
document.querySelector('.skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  document.getElementById('main')?.focus();
});
addEventListener('hashchange', route);
route();
