/** Log in and sign up: a session token from the API, handed to the app. */
import { api } from './api.js';
import { h } from './dom.js';

/**
 * @param {(token: string) => void} onToken
 */
export function loginView(onToken) {
  return authPage({
    title: 'Log in to Vigil',
    fields: [
      { name: 'email', label: 'Email', type: 'email', autocomplete: 'username' },
      { name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' },
    ],
    submitLabel: 'Log in',
    submit: async ({ email, password }) => (await api('/auth/login', { method: 'POST', body: { email, password } })).token,
    onToken,
    other: ['No account yet? ', h('a', { href: '#/signup' }, 'Sign up')],
  });
}

export function signupView(onToken) {
  return authPage({
    title: 'Sign up for Vigil',
    fields: [
      { name: 'name', label: 'Name (optional)', type: 'text', autocomplete: 'name', optional: true },
      { name: 'email', label: 'Email', type: 'email', autocomplete: 'username' },
      { name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password' },
    ],
    submitLabel: 'Sign up',
    submit: async ({ name, email, password }) => (await api('/auth/signup', { method: 'POST', body: { email, password, ...(name ? { name } : {}) } })).token,
    onToken,
    other: ['Have an account? ', h('a', { href: '#/login' }, 'Log in')],
  });
}

function authPage({ title, fields, submitLabel, submit, onToken, other }) {
  const inputs = new Map(fields.map((field) => [field.name, h('input', {
    id: `auth-${field.name}`, name: field.name, type: field.type, autocomplete: field.autocomplete, required: !field.optional,
  })]));
  const error = h('p', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'button' }, submitLabel);
  const form = h('form', {
    class: 'auth-form', 'aria-labelledby': 'auth-title',
    onsubmit: async (event) => {
      event.preventDefault();
      button.disabled = true;
      error.textContent = '';
      const values = Object.fromEntries([...inputs].map(([name, input]) => [name, name === 'password' ? input.value : input.value.trim()]));
      try {
        onToken(await submit(values));
      } catch (failure) {
        error.textContent = describe(failure);
        inputs.get('password').select();
      } finally {
        button.disabled = false;
      }
    },
  },
  h('h1', { id: 'auth-title' }, title),
  fields.map((field) => h('div', { class: 'field' }, h('label', { for: `auth-${field.name}` }, field.label), inputs.get(field.name))),
  error, button);
  return h('main', { id: 'main', class: 'auth-page', tabindex: '-1' }, h('p', { class: 'brand' }, 'Vigil'), form, h('p', {}, ...other));
}

function describe(failure) {
  if (failure.retryAfterS) return `Too many attempts. Try again in ${failure.retryAfterS} seconds.`;
  if (failure.fields?.length) return failure.fields.map((field) => `${field.path}: ${field.message}`).join('; ');
  if (failure.name === 'TypeError') return 'Vigil cannot be reached. Check the connection and try again.';
  return failure.message;
}
