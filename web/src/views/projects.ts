// Projects, and the media of one project: thumbnails, drag-and-drop upload with progress;
// segment every image (a job) and export the project.
import { CreateProjectDocument, MediaListDocument, ProjectDocument, ProjectsDocument, StartBatchSegmentationDocument } from '../../../client/generated/graphql.js';
import { fetchImage, gql, upload } from '../api.js';
import { clear, h, progressBar, showError, showStatus } from '../dom.js';
import { ExportPanel } from '../exports.js';
import { JobFollower } from '../job-follower.js';

export async function projectsView(root: HTMLElement): Promise<void> {
  const { projects } = await gql(ProjectsDocument, { first: 100 });
  const name = h('input', { placeholder: 'New project name', 'data-testid': 'project-name', required: true });
  const form = h('form', { class: 'row' }, name, h('button', { type: 'submit' }, 'Create project'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const { createProject } = await gql(CreateProjectDocument, { input: { name: name.value.trim() } });
      location.hash = `#/p/${createProject.project.id}`;
    } catch (err) {
      showError(err);
    }
  });
  clear(
    root,
    h('h2', {}, 'Projects'),
    form,
    projects.edges.length
      ? h('ul', { class: 'cards' }, projects.edges.map(({ node: p }) => h('li', {}, h('a', { href: `#/p/${p.id}`, 'data-testid': 'project-link' }, h('strong', {}, p.name), h('small', {}, `${p.mediaCount} media`)))))
      : h('p', { class: 'hint' }, 'No project yet: create one, then drop pictures and videos into it.'),
  );
}

/** Shows a project; resolves with what stops following its jobs when the page leaves. */
/** `uploads`: the upload list of the page this one replaces (its rows stay: what was sent, and how it went). */
export async function projectView(root: HTMLElement, projectId: string, uploads: HTMLElement = h('ul', { class: 'uploads', 'data-testid': 'uploads' })): Promise<() => void> {
  const [{ project }, { mediaList }] = await Promise.all([gql(ProjectDocument, { id: projectId }), gql(MediaListDocument, { projectId, first: 100 })]);
  const input = h('input', { type: 'file', multiple: true, accept: 'image/*,video/*', 'data-testid': 'file-input' });
  const drop = h('div', { class: 'drop', 'data-testid': 'drop-zone' }, 'Drop pictures and videos here, or ', h('label', { class: 'link' }, 'choose files', input));

  const send = async (files: File[]) => {
    let ok = 0;
    await Promise.all(
      files.map(async (file) => {
        const row = h('li', {}, file.name, progressBar(0));
        uploads.append(row);
        try {
          const res = await upload(projectId, file, (f) => row.replaceChildren(file.name, progressBar(f)));
          row.replaceChildren(file.name, progressBar(1, res.deduplicated ? 'already stored' : 'done'));
          ok++;
        } catch (err) {
          row.replaceChildren(file.name, h('span', { class: 'error' }, (err as Error).message));
        }
      }),
    );
    showStatus(`${ok} of ${files.length} uploaded`);
    if (ok) await projectView(root, projectId, uploads).catch(showError); // the old page's panels stop as they leave it
  };
  input.addEventListener('change', () => void send([...(input.files ?? [])]));
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    void send([...(e.dataTransfer?.files ?? [])]);
  });

  const grid = h(
    'ul',
    { class: 'cards media' },
    mediaList.edges.map(({ node: m }) => {
      const img = h('img', { alt: m.filename ?? m.id, width: 160, height: 120 });
      if (m.thumbnailUrl) fetchImage(m.thumbnailUrl).then((u) => (img.src = u), () => undefined);
      const what = m.kind === 'VIDEO' ? `video · ${m.frameCount} frames · ${m.width}×${m.height}` : `image · ${m.width}×${m.height}`;
      return h('li', {}, h('a', { href: `#/m/${m.id}`, 'data-testid': 'media-link', 'data-kind': m.kind }, img, h('strong', {}, m.filename ?? m.id), h('small', {}, what)));
    }),
  );
  // Segment everything on every image, stored per image: what an image or project COCO export holds.
  const batch = new JobFollower('batch');
  const segmentAll = async () => {
    try {
      batch.follow((await gql(StartBatchSegmentationDocument, { input: { projectId } })).startBatchSegmentation.job, 'Segmentation of every image');
    } catch (err) {
      showError(err);
    }
  };
  const exportPanel = new ExportPanel(['COCO_JSON', 'YTVIS_JSON'], () => ({ projectId }));
  clear(
    root,
    h('p', {}, h('a', { href: '#/' }, '← Projects')),
    h('h2', {}, project.name),
    drop,
    uploads,
    mediaList.edges.length ? grid : h('p', { class: 'hint' }, 'No media yet.'),
    h('div', { class: 'tools' }, h('button', { onclick: segmentAll, 'data-testid': 'segment-all' }, 'Segment every image'), batch.element),
    exportPanel.element,
    h('p', { class: 'hint' }, 'COCO JSON holds the masks “Segment every image” stored; YouTube-VIS JSON holds every video’s tracking sessions.'),
  );
  return () => {
    batch.dispose();
    exportPanel.dispose();
  };
}
