/** The site picker: the sites the user has a role in, and a form to create one. */
import { api } from './api.js';
import { h } from './dom.js';

/**
 * @param {object} options
 * @param {{ id: string, name: string, role: string }[]} options.sites
 * @param {(site: { id: string }) => void} options.onCreated
 */
export function sitesView({ sites, onCreated }) {
  const name = h('input', { id: 'site-name', name: 'name', required: true, maxlength: 200 });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const create = h('form', {
    class: 'create-site',
    onsubmit: async (event) => {
      event.preventDefault();
      error.textContent = '';
      try {
        onCreated(await api('/sites', { method: 'POST', body: { name: name.value.trim() } }));
      } catch (failure) {
        error.textContent = failure.fields?.length ? failure.fields.map((f) => `${f.path}: ${f.message}`).join('; ') : failure.message;
      }
    },
  },
  h('h2', {}, 'Create a site'),
  h('div', { class: 'field' }, h('label', { for: 'site-name' }, 'Name'), name),
  error,
  h('button', { type: 'submit', class: 'button' }, 'Create'));

  return h('main', { id: 'main', class: 'sites-page', tabindex: '-1' },
    h('h1', {}, 'Sites'),
    sites.length === 0
      ? h('p', {}, 'You have no role in any site yet. Create one, or ask a site admin to add you.')
      : h('ul', { class: 'site-list', role: 'list' }, sites.map((site) => h('li', {},
        h('a', { class: 'site-link', href: `#/sites/${encodeURIComponent(site.id)}` }, h('span', { class: 'site-name' }, site.name), h('span', { class: 'muted' }, site.role))))),
    create);
}
