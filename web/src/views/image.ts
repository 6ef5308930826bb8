// An image: prompt objects with clicks and boxes, find objects by phrase, segment everything.
// Every change of the prompts re-runs segmentImage for all objects (the server caches the
// image embedding, so only the decoder runs again).
import { SegmentEverythingDocument, SegmentImageDocument, type MediaQuery, type SegmentedObjectFieldsFragment } from '../../../client/generated/graphql.js';
import { fetchImage, gql } from '../api.js';
import { clear, h, showError, showStatus } from '../dom.js';
import { ExportPanel } from '../exports.js';
import { css, type Overlay, type Rle } from '../masks.js';
import { loadImage, Stage, type Gesture, type Marker } from '../stage.js';

type Media = MediaQuery['media'];
interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
interface PromptObject {
  points: { x: number; y: number; label: 'POSITIVE' | 'NEGATIVE' }[];
  box: Box | null;
  masks: { rle: Rle; score: number }[];
  chosen: number;
}
interface Found {
  label: string;
  rle: Rle;
  score: number;
}

/** Shows the image; resolves with what stops its export's progress when the page leaves. */
export async function imageView(root: HTMLElement, media: Media): Promise<() => void> {
  const objects: PromptObject[] = [{ points: [], box: null, masks: [], chosen: 0 }];
  let active = 0;
  let found: Found[] = [];
  const stage = new Stage((g) => void onGesture(g));
  const legend = h('ol', { class: 'legend', 'data-testid': 'legend' });
  const multimask = h('input', { type: 'checkbox', 'data-testid': 'multimask' });
  const phrase = h('input', { placeholder: 'a phrase, e.g. "red"', 'data-testid': 'phrase' });
  const busy = (on: boolean) => (root.dataset.busy = on ? '1' : '0');

  const render = () => {
    const overlays: Overlay[] = [];
    const markers: Marker[] = [];
    const boxes: Box[] = [];
    objects.forEach((o, i) => {
      const m = o.masks[o.chosen];
      if (m) overlays.push({ key: i + 1, rle: m.rle, label: `object ${i + 1}` });
      for (const p of o.points) markers.push({ x: p.x, y: p.y, positive: p.label === 'POSITIVE' });
      if (o.box) boxes.push(o.box);
    });
    found.forEach((f, j) => overlays.push({ key: objects.length + j + 1, rle: f.rle, label: f.label }));
    stage.setOverlays(overlays, markers, boxes);
    clear(
      legend,
      objects.map((o, i) =>
        h(
          'li',
          { class: i === active ? 'active' : '', 'data-testid': 'object-row', 'data-score': o.masks[o.chosen]?.score ?? '', onclick: () => ((active = i), render()) },
          h('span', { class: 'swatch', style: `background:${css(i + 1)}` }),
          `Object ${i + 1}`,
          o.masks[o.chosen] ? h('span', { class: 'score' }, `score ${o.masks[o.chosen]!.score.toFixed(3)}`) : h('small', {}, ' click on the picture'),
          o.masks.length > 1 &&
            h(
              'span',
              { class: 'choices' },
              o.masks.map((m, k) =>
                h('button', { class: k === o.chosen ? 'on' : '', 'data-testid': 'mask-choice', title: 'Use this mask', onclick: (e: Event) => (e.stopPropagation(), (o.chosen = k), render()) }, m.score.toFixed(2)),
              ),
            ),
        ),
      ),
      found.map((f, j) => h('li', { 'data-testid': 'found-row', 'data-score': f.score }, h('span', { class: 'swatch', style: `background:${css(objects.length + j + 1)}` }), f.label, h('span', { class: 'score' }, `score ${f.score.toFixed(3)}`))),
    );
  };

  const segment = async () => {
    const prompted = objects.filter((o) => o.points.length || o.box);
    if (!prompted.length) return render();
    busy(true);
    try {
      const { segmentImage } = await gql(SegmentImageDocument, {
        input: { mediaId: media.id, multimask: multimask.checked, objects: prompted.map((o) => ({ points: o.points, box: o.box })) },
      });
      segmentImage.objects.forEach((r: SegmentedObjectFieldsFragment, k) => {
        const o = prompted[k]!;
        o.masks = (r.masks.length ? r.masks : r.mask ? [r.mask] : []).map((m) => ({ rle: m.rle, score: m.score }));
        o.chosen = Math.min(o.chosen, Math.max(0, o.masks.length - 1));
      });
      showStatus(`${segmentImage.objects.length} object(s) · ${segmentImage.cacheHit ? 'cached embedding' : 'encoded'} · ${Math.round(segmentImage.timings.totalMs)} ms`);
    } catch (err) {
      showError(err);
    } finally {
      busy(false);
      render();
    }
  };

  async function onGesture(g: Gesture) {
    const o = objects[active]!;
    if (g.kind === 'point') o.points.push({ x: g.x, y: g.y, label: g.label });
    else o.box = { x: g.x, y: g.y, w: g.w, h: g.h };
    await segment();
  }

  const findPhrase = async (e: Event) => {
    e.preventDefault();
    const text = phrase.value.trim();
    if (!text) return;
    busy(true);
    try {
      const { segmentImage } = await gql(SegmentImageDocument, { input: { mediaId: media.id, objects: [{ text }] } });
      found = found.concat(segmentImage.objects.filter((r) => r.mask).map((r) => ({ label: `“${r.phrase ?? text}”`, rle: r.mask!.rle, score: r.mask!.score })));
      showStatus(segmentImage.objects.length ? `“${text}”: ${segmentImage.objects.length} found` : `“${text}”: nothing found`);
    } catch (err) {
      showError(err);
    } finally {
      busy(false);
      render();
    }
  };

  const everything = async () => {
    busy(true);
    try {
      const { segmentEverything } = await gql(SegmentEverythingDocument, { input: { mediaId: media.id } });
      found = segmentEverything.masks.map((m, k) => ({ label: `mask ${k + 1}`, rle: m.rle, score: m.score }));
      showStatus(`${segmentEverything.masks.length} masks from ${segmentEverything.candidates} candidates`);
    } catch (err) {
      showError(err);
    } finally {
      busy(false);
      render();
    }
  };

  const tools = h(
    'div',
    { class: 'tools' },
    h('button', { onclick: () => (objects.push({ points: [], box: null, masks: [], chosen: 0 }), (active = objects.length - 1), render()), 'data-testid': 'new-object' }, 'New object'),
    h('button', { onclick: () => ((objects.length = 0), objects.push({ points: [], box: null, masks: [], chosen: 0 }), (active = 0), (found = []), render()), 'data-testid': 'clear' }, 'Clear'),
    h('label', {}, multimask, ' several masks per object'),
    h('label', {}, stage.showMasks, ' show masks'),
    h('form', { class: 'row', onsubmit: findPhrase }, phrase, h('button', { type: 'submit', 'data-testid': 'find' }, 'Find')),
    h('button', { onclick: everything, 'data-testid': 'everything' }, 'Segment everything'),
  );
  multimask.addEventListener('change', () => void segment());
  // What a COCO export of an image holds: the masks batch segmentation stored on it.
  const exportPanel = new ExportPanel(['COCO_JSON'], () => ({ mediaId: media.id }));
  clear(
    root,
    h('p', {}, h('a', { href: `#/p/${media.projectId}` }, `← ${media.project.name}`)),
    h('h2', {}, media.filename ?? media.id, h('small', {}, ` ${media.width}×${media.height}`)),
    h('p', { class: 'hint' }, 'Click: add to the object · Shift-click or right-click: remove · Drag: box · Type a phrase to find every instance.'),
    h('div', { class: 'workspace' }, h('div', { class: 'canvas-wrap' }, stage.canvas), h('aside', {}, tools, legend, exportPanel.element, h('small', { class: 'hint' }, 'The export holds the masks “Segment every image” stored (on the project’s page), not these clicks.'))),
  );
  busy(false);
  render();
  stage.setImage(await loadImage(await fetchImage(`/media/${media.id}/frames/0`)));
  root.dataset.ready = '1';
  return () => exportPanel.dispose();
}
