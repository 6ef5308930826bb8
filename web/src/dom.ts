// A tiny element builder: enough for a few views without a framework.
type Child = Node | string | number | null | undefined | false;
type Props = Record<string, unknown> & { class?: string; style?: string };

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
    else if (k === 'class') el.className = String(v);
    else if (k in el && k !== 'style' && !k.startsWith('data')) (el as unknown as Record<string, unknown>)[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export function clear(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
}

/** A progress bar with a text (percentage, ETA). */
export function progressBar(fraction: number, text = `${Math.round(fraction * 100)} %`): HTMLElement {
  return h('div', { class: 'progress', role: 'progressbar', 'aria-valuenow': Math.round(fraction * 100) }, h('div', { class: 'fill', style: `width:${Math.min(100, Math.max(0, fraction * 100)).toFixed(1)}%` }), h('span', {}, text));
}

export function eta(sec: number | null | undefined): string {
  if (sec === null || sec === undefined) return '';
  if (sec < 60) return `ETA ${Math.ceil(sec)} s`;
  return `ETA ${Math.floor(sec / 60)} min ${Math.ceil(sec % 60)} s`;
}

/** Shows an error in the status line (and keeps the view usable). */
export function showError(err: unknown): void {
  const line = document.getElementById('status');
  if (line) {
    line.textContent = err instanceof Error ? err.message : String(err);
    line.className = 'status error';
  }
}

export function showStatus(text: string): void {
  const line = document.getElementById('status');
  if (line) {
    line.textContent = text;
    line.className = 'status';
  }
}
