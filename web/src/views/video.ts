// A video: a tracking session. Click objects on any frame, propagate forward, backward or both;
// masks stream in over sessionEvents and the timeline fills as frames arrive.
import {
  AddPromptDocument,
  AddTextPromptDocument,
  CancelJobDocument,
  CloseSessionDocument,
  FrameMasksDocument,
  PropagateDocument,
  ReopenSessionDocument,
  SessionEventsDocument,
  SessionsDocument,
  StartSessionDocument,
  type FrameMasksFieldsFragment,
  type JobFieldsFragment,
  type MediaQuery,
  type PropagationDirection,
  type SessionFieldsFragment,
} from '../../../client/generated/graphql.js';
import { fetchImage, gql, subscribe } from '../api.js';
import { clear, eta, h, progressBar, showError, showStatus } from '../dom.js';
import { ExportPanel } from '../exports.js';
import { css, type Overlay } from '../masks.js';
import { loadImage, Stage, type Gesture } from '../stage.js';
import { Timeline } from '../timeline.js';

type Media = MediaQuery['media'];
type FrameObjects = FrameMasksFieldsFragment['objects'];

/** Shows the video; resolves with what stops its subscription and player when the page leaves. */
export async function videoView(root: HTMLElement, media: Media): Promise<() => void> {
  const frameCount = media.frameCount ?? 1;
  const frames = new Map<number, Promise<HTMLImageElement>>();
  const masks = new Map<number, FrameObjects>();
  let session: SessionFieldsFragment | null = null;
  let current = 0;
  let active: number | null = null; // the object clicks refine; null = a new one
  let job: JobFieldsFragment | null = null;
  let stopEvents: (() => void) | null = null;
  let playing: number | null = null;

  const stage = new Stage((g) => void onGesture(g));
  const timeline = new Timeline(frameCount, (i) => void show(i));
  const scrubber = h('input', { type: 'range', min: 0, max: frameCount - 1, value: 0, 'data-testid': 'scrubber' });
  const frameLabel = h('span', { 'data-testid': 'frame-label' });
  const follow = h('input', { type: 'checkbox', checked: true, 'data-testid': 'follow' });
  const sessionBox = h('div', { class: 'session', 'data-testid': 'session' });
  const objectsBox = h('ol', { class: 'legend', 'data-testid': 'legend' });
  const jobBox = h('div', { class: 'job', 'data-testid': 'job' });
  const phrase = h('input', { placeholder: 'a phrase on this frame', 'data-testid': 'phrase' });
  const exportPanel = new ExportPanel(['COCO_JSON', 'YTVIS_JSON', 'DAVIS_PNG_ZIP', 'MASKED_VIDEO'], () => (session ? { sessionId: session.id } : null));

  const frame = (i: number) => {
    let p = frames.get(i);
    if (!p) {
      p = fetchImage(`/media/${media.id}/frames/${i}`).then(loadImage);
      p.catch(() => frames.delete(i));
      frames.set(i, p);
    }
    return p;
  };

  // One frame load at a time: while one is in flight, later requests only move `current`,
  // and the loop shows the latest when the load ends (frames arriving fast skip the stale ones).
  let loading = false;
  async function show(i: number) {
    current = Math.max(0, Math.min(frameCount - 1, i));
    scrubber.value = String(current);
    frameLabel.textContent = `frame ${current + 1} / ${frameCount}`;
    timeline.setCurrent(current);
    if (loading) return;
    loading = true;
    try {
      for (;;) {
        const want = current;
        const img = await frame(want).catch((err) => (showError(err), null));
        if (want !== current) continue;
        if (img) {
          stage.setImage(img);
          drawMasks();
        }
        break;
      }
    } finally {
      loading = false;
    }
  }

  function drawMasks() {
    const objs = masks.get(current) ?? [];
    const overlays: Overlay[] = objs.filter((o) => o.mask).map((o) => ({ key: o.objectId, rle: o.mask!.rle, label: `object ${o.objectId}` }));
    stage.setOverlays(overlays);
    stage.canvas.dataset.frame = String(current);
    stage.canvas.dataset.objects = String(overlays.length);
  }

  function storeFrame(f: FrameMasksFieldsFragment) {
    masks.set(f.frameIndex, f.objects);
    timeline.mark(f.frameIndex, f.objects.some((o) => o.mask));
    if (f.frameIndex === current) drawMasks();
  }

  function renderSession() {
    if (!session) {
      clear(sessionBox, h('button', { onclick: () => void start(), 'data-testid': 'start-session' }, 'Start a tracking session'));
      return;
    }
    const open = session.status === 'OPEN';
    clear(
      sessionBox,
      h('span', { 'data-testid': 'session-status', 'data-status': session.status }, `Session ${session.status.toLowerCase()}${session.closeReason ? ` (${session.closeReason})` : ''} · ${session.model}`),
      open ? h('button', { onclick: () => void close(), 'data-testid': 'close-session' }, 'Close') : h('button', { onclick: () => void reopen(), 'data-testid': 'reopen-session' }, 'Reopen'),
    );
    clear(
      objectsBox,
      session.objects.map((o) =>
        h(
          'li',
          { class: o.objectId === active ? 'active' : '', 'data-testid': 'object-row', onclick: () => ((active = o.objectId), renderSession()) },
          h('span', { class: 'swatch', style: `background:${css(o.objectId)}` }),
          `Object ${o.objectId}${o.label ? ` “${o.label}”` : ''}`,
          h('small', {}, ` prompted on ${o.promptedFrames.map((f) => f + 1).join(', ')}`),
        ),
      ),
      h('li', { class: active === null ? 'active' : '', onclick: () => ((active = null), renderSession()) }, '+ new object (click the frame)'),
    );
  }

  function renderJob() {
    if (!job) return clear(jobBox);
    const running = job.status === 'QUEUED' || job.status === 'RUNNING';
    clear(
      jobBox,
      h('span', { 'data-testid': 'job-status', 'data-status': job.status }, `Propagation ${job.status.toLowerCase()}`),
      progressBar(job.progress, `${job.framesDone}/${job.framesTotal ?? '?'} frames ${running ? eta(job.etaSec) : ''}`),
      running && h('button', { onclick: () => void cancel(), 'data-testid': 'cancel-job' }, 'Cancel'),
      job.error && h('span', { class: 'error' }, job.error.message),
    );
  }

  async function load(s: SessionFieldsFragment) {
    session = s;
    masks.clear();
    timeline.reset();
    for (let from = 0; from < frameCount; from += 2000) {
      const { frameMasks } = await gql(FrameMasksDocument, { sessionId: s.id, fromFrame: from, limit: 2000 });
      for (const f of frameMasks) storeFrame(f);
    }
    if (s.activeJob && (s.activeJob.status === 'RUNNING' || s.activeJob.status === 'QUEUED')) followJob(s.activeJob.id);
    renderSession();
    drawMasks();
  }

  const act = async (what: () => Promise<void>) => {
    root.dataset.busy = '1';
    try {
      await what();
    } catch (err) {
      showError(err);
    } finally {
      root.dataset.busy = '0';
    }
  };

  const start = () => act(async () => load((await gql(StartSessionDocument, { input: { mediaId: media.id } })).startSession.session));
  const close = () => act(async () => ((session = (await gql(CloseSessionDocument, { input: { sessionId: session!.id } })).closeSession.session), renderSession()));
  const reopen = () => act(async () => load((await gql(ReopenSessionDocument, { input: { sessionId: session!.id } })).reopenSession.session));
  const cancel = () => act(async () => void (await gql(CancelJobDocument, { input: { jobId: job!.id } })));

  async function onGesture(g: Gesture) {
    if (!session || session.status !== 'OPEN') return showError(new Error(session ? 'The session is closed: reopen it first' : 'Start a session first'));
    await act(async () => {
      const prompt = g.kind === 'point' ? { points: [{ x: g.x, y: g.y, label: g.label }] } : { box: { x: g.x, y: g.y, w: g.w, h: g.h } };
      const { addPrompt } = await gql(AddPromptDocument, { input: { sessionId: session!.id, frameIndex: current, objectId: active, ...prompt } });
      active = addPrompt.objectId;
      session = addPrompt.session;
      storeFrame(addPrompt.frame);
      renderSession();
      showStatus(`object ${addPrompt.objectId} on frame ${current + 1}`);
    });
  }

  const findPhrase = (e: Event) => {
    e.preventDefault();
    const text = phrase.value.trim();
    if (!text || !session) return;
    void act(async () => {
      const { addTextPrompt } = await gql(AddTextPromptDocument, { input: { sessionId: session!.id, frameIndex: current, text } });
      session = addTextPrompt.session;
      storeFrame(addTextPrompt.frame);
      renderSession();
      showStatus(`“${text}”: ${addTextPrompt.objectIds.length} object(s) on frame ${current + 1}`);
    });
  };

  function followJob(jobId: string) {
    stopEvents?.();
    stopEvents = subscribe(SessionEventsDocument, { sessionId: session!.id, jobId, replay: true }, {
      next: ({ sessionEvents: ev }) => {
        if (ev.frame) {
          storeFrame(ev.frame);
          if (follow.checked) void show(ev.frame.frameIndex);
        }
        if (ev.job) {
          job = ev.job;
          renderJob();
        }
        timeline.element.dataset.doneFrames = String(timeline.doneCount());
      },
      error: showError,
      complete: () => (stopEvents = null),
    });
  }

  const propagate = (direction: PropagationDirection) =>
    act(async () => {
      if (!session) throw new Error('Start a session and click an object first');
      const { propagate: p } = await gql(PropagateDocument, { input: { sessionId: session.id, direction, startFrame: current } });
      job = p.job;
      renderJob();
      followJob(p.job.id);
    });

  const play = () => {
    if (playing !== null) {
      clearInterval(playing);
      playing = null;
      return;
    }
    const fps = media.fps ?? 10;
    playing = window.setInterval(() => (current + 1 >= frameCount ? play() : void show(current + 1)), 1000 / Math.min(fps, 15));
  };

  scrubber.addEventListener('input', () => void show(Number(scrubber.value)));
  clear(
    root,
    h('p', {}, h('a', { href: `#/p/${media.projectId}` }, `← ${media.project.name}`)),
    h('h2', {}, media.filename ?? media.id, h('small', {}, ` ${media.width}×${media.height} · ${frameCount} frames · ${media.fps ?? '?'} fps`)),
    h('p', { class: 'hint' }, 'Click an object on any frame (shift-click or right-click removes, drag draws a box), then propagate. Masks arrive live.'),
    h(
      'div',
      { class: 'workspace' },
      h(
        'div',
        { class: 'canvas-wrap' },
        stage.canvas,
        h('div', { class: 'player' }, h('button', { onclick: () => void show(current - 1), title: 'Previous frame' }, '◀'), h('button', { onclick: play, 'data-testid': 'play' }, '▶ / ❚❚'), h('button', { onclick: () => void show(current + 1), title: 'Next frame' }, '▶'), scrubber, frameLabel),
        timeline.element,
      ),
      h(
        'aside',
        {},
        sessionBox,
        objectsBox,
        h('form', { class: 'row', onsubmit: findPhrase }, phrase, h('button', { type: 'submit', 'data-testid': 'find' }, 'Find')),
        h(
          'div',
          { class: 'tools' },
          'Propagate from this frame: ',
          h('button', { onclick: () => void propagate('FORWARD'), 'data-testid': 'propagate-forward' }, 'Forward'),
          h('button', { onclick: () => void propagate('BACKWARD'), 'data-testid': 'propagate-backward' }, 'Backward'),
          h('button', { onclick: () => void propagate('BOTH'), 'data-testid': 'propagate-both' }, 'Both'),
          h('label', {}, follow, ' follow arriving frames'),
          h('label', {}, stage.showMasks, ' show masks'),
        ),
        jobBox,
        exportPanel.element,
      ),
    ),
  );
  renderSession();
  await show(0);
  const { sessions } = await gql(SessionsDocument, { mediaId: media.id, first: 20 });
  const latest = [...sessions.edges].map((e) => e.node).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  const pick = latest.find((s) => s.status === 'OPEN') ?? latest[0];
  if (pick) await load(pick);
  root.dataset.ready = '1';
  return () => {
    stopEvents?.();
    exportPanel.dispose();
    if (playing !== null) clearInterval(playing);
  };
}
