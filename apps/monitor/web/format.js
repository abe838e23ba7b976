// Small text helpers shared by the page's modules.

/** "8 s", "1 min 05 s", "2 h 03 min". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${Number(seconds.toFixed(seconds < 10 ? 1 : 0))} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** "12.3 MB". */
export function bytes(n) {
  if (n < 1e3) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} KB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

/** "2026-12-01 09:30" in the viewer's time zone. */
export function when(iso) {
  const d = new Date(iso);
  const pad = (x) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Creates an element with attributes and children (strings become text). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return node;
}

/** The address of a store object under one of the server's routes, each path segment encoded. */
export function objectUrl(route, key) {
  return `/${route}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** The model line of a run: what made the audio. */
export function modelLine(run) {
  if (run.preview) return 'Preview engine: a synthesiser, not MusicGen';
  const lm = run.servers.map((s) => s.facts?.lm).find(Boolean);
  if (!lm) return `MusicGen: ${run.model ?? 'model not recorded'}`;
  const dtypes = Object.values(lm.dtypes ?? {});
  const parts = [
    lm.weights,
    lm.revision ? `revision ${lm.revision.slice(0, 10)}` : null,
    dtypes[0] ? `${dtypes[0]} on ${lm.device}` : lm.device,
  ];
  return `MusicGen: ${lm.modelId} (${parts.filter(Boolean).join(', ')})`;
}
