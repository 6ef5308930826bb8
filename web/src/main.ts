// The maskql web app: hash routes over one page. #/ projects · #/p/<id> a project ·
// #/m/<id> an image or a video · #/jobs.
import './style.css';
import { MediaDocument } from '../../client/generated/graphql.js';
import { auth, gql, setUnauthenticatedHandler } from './api.js';
import { clear, h, showError, showStatus } from './dom.js';
import { imageView } from './views/image.js';
import { jobsView } from './views/jobs.js';
import { projectView, projectsView } from './views/projects.js';
import { videoView } from './views/video.js';

const main = document.getElementById('main')!;
let leave: (() => void) | null = null;

function askForKey(): void {
  const key = h('input', { type: 'password', placeholder: 'mqk_…', autocomplete: 'off', 'data-testid': 'api-key', required: true });
  const form = h('form', { class: 'login' }, h('h2', {}, 'This server asks for an API key'), h('p', { class: 'hint' }, 'It is kept in this tab only (sessionStorage) and sent as a Bearer token.'), key, h('button', { type: 'submit' }, 'Use this key'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    auth.set(key.value.trim());
    void route();
  });
  clear(main, form);
  key.focus();
}

let asking = false;
setUnauthenticatedHandler(() => {
  if (asking) return;
  asking = true;
  auth.clear();
  queueMicrotask(() => {
    asking = false;
    askForKey();
  });
});

async function route(): Promise<void> {
  leave?.();
  leave = null;
  delete main.dataset.ready;
  showStatus('');
  const [, what, id] = location.hash.replace(/^#/, '').split('/');
  document.getElementById('signout')!.hidden = !auth.get();
  try {
    if (what === 'p' && id) leave = await projectView(main, id);
    else if (what === 'm' && id) {
      const { media } = await gql(MediaDocument, { id });
      if (media.kind === 'VIDEO') leave = await videoView(main, media);
      else leave = await imageView(main, media);
    } else if (what === 'jobs') leave = await jobsView(main);
    else await projectsView(main);
    main.dataset.ready = '1';
  } catch (err) {
    if (!main.querySelector('form.login')) showError(err);
  }
}

document.getElementById('signout')!.addEventListener('click', () => {
  auth.clear();
  askForKey();
});
window.addEventListener('hashchange', () => void route());
void route();
