// The list of tracks: one row per line of the prompts file, updated in place as a run moves on, so that
// a playing track keeps playing while others change.
import { duration, el, objectUrl } from './format.js';
import { Waveform } from './waveform.js';

const ACTIVE = new Set(['queued', 'waiting', 'generating', 'retrying', 'decoding', 'storing']);
const SEEK_SECONDS = 5;

export class TrackList {
  constructor(list, { onCompare, onTakes }) {
    this.list = list;
    this.onCompare = onCompare;
    this.onTakes = onTakes;
    this.rows = new Map();
    this.runId = undefined;
    this.filter = { status: '', text: '', sort: 'line' };
    this.visible = new IntersectionObserver((entries) => {
      for (const entry of entries) if (entry.isIntersecting) entry.target.waveform?.load();
    });
    list.addEventListener('keydown', (event) => this.key(event));
    // One track plays at a time.
    list.addEventListener('play', (event) => this.pauseAllBut(event.target), true);
  }

  /** Shows a run: rows are kept across updates of the same run. */
  show(run) {
    if (run.id !== this.runId) {
      this.runId = run.id;
      this.pauseAllBut(null);
      this.rows.clear();
      this.list.replaceChildren();
    }
    for (const track of run.tracks) {
      let row = this.rows.get(track.line);
      if (!row) {
        row = this.createRow(track);
        this.rows.set(track.line, row);
      }
      this.update(row, track, run);
    }
    this.arrange();
  }

  setFilter(filter) {
    this.filter = { ...this.filter, ...filter };
    this.arrange();
  }

  /** Applies the filter and the sort; returns [shown, all]. */
  arrange() {
    const { status, text, sort } = this.filter;
    const words = text.trim().toLowerCase();
    const rows = [...this.rows.values()];
    for (const row of rows) {
      const t = row.track;
      const statusOk = status === '' || (status === 'active' ? ACTIVE.has(t.status) : t.status === status);
      const textOk = words === '' || (t.prompt ?? '').toLowerCase().includes(words);
      row.hidden = !(statusOk && textOk);
    }
    const length = (row) => row.track.durationSeconds ?? -1;
    rows.sort((a, b) =>
      sort === 'duration-asc'
        ? length(a) - length(b) || a.track.line - b.track.line
        : sort === 'duration-desc'
          ? length(b) - length(a) || a.track.line - b.track.line
          : a.track.line - b.track.line,
    );
    const current = [...this.list.children];
    if (rows.some((row, i) => current[i] !== row)) this.list.append(...rows);
    const shown = rows.filter((row) => !row.hidden).length;
    document.getElementById('shown').textContent = `${shown} of ${rows.length} tracks`;
  }

  createRow(track) {
    const row = el('li', { class: 'track', tabindex: '0', 'data-line': track.line });
    row.parts = {
      line: el('span', { class: 'line' }, `line ${track.line}`),
      status: el('span', { class: 'status' }),
      prompt: el('span', { class: 'prompt' }),
      duration: el('span', { class: 'duration' }),
      key: el('code', { class: 'key' }),
      actions: el('span', { class: 'actions' }),
      detail: el('div', { class: 'detail' }),
      activity: el('div', { class: 'activity', hidden: true }),
      media: el('div', { class: 'media', hidden: true }),
    };
    const p = row.parts;
    row.append(
      el('div', { class: 'head' }, p.line, p.status, p.prompt, p.duration, p.key, p.actions),
      p.detail,
      p.activity,
      p.media,
    );
    return row;
  }

  update(row, track, run) {
    row.track = track;
    const p = row.parts;
    p.status.textContent = track.status;
    p.status.className = `status s-${track.status}`;
    p.prompt.textContent =
      track.prompt ?? (track.status === 'invalid' ? '(invalid line)' : '(prompt not recorded)');
    p.duration.textContent = track.durationSeconds === null ? '' : duration(track.durationSeconds);
    p.key.textContent = track.key ?? '';
    row.setAttribute('aria-label', `line ${track.line}, ${track.status}: ${track.prompt ?? 'no prompt'}`);
    p.detail.replaceChildren(...details(track));
    if (track.activity && ACTIVE.has(track.status)) {
      const { framesDone, frames, window, windows } = track.activity;
      const share = frames > 0 ? framesDone / frames : 0;
      const bar = el('progress', {
        max: '1',
        value: String(share),
        'aria-label': `line ${track.line} progress`,
      });
      const windowText = windows > 1 ? `, window ${window} of ${windows}` : '';
      p.activity.replaceChildren(bar, ` ${track.status} ${Math.round(share * 100)}%${windowText}`);
      p.activity.hidden = false;
    } else p.activity.hidden = true;
    if (track.audio && track.key && !row.audio) this.addMedia(row, track);
    p.actions.replaceChildren(
      ...(track.audio
        ? [
            el('button', { type: 'button', onclick: () => this.onCompare(track, run) }, 'Compare'),
            track.prompt
              ? el('button', { type: 'button', onclick: () => this.onTakes(track, run) }, 'Other takes')
              : null,
          ]
        : []),
    );
  }

  addMedia(row, track) {
    const audio = el('audio', { controls: true, preload: 'none', src: objectUrl('audio', track.key) });
    const canvas = el('canvas', { class: 'wave', width: '800', height: '56', 'aria-hidden': 'true' });
    const spectrogram = el('img', {
      class: 'spectrogram',
      loading: 'lazy',
      width: '800',
      height: '120',
      src: objectUrl('spectrogram', track.key),
      alt: `Spectrogram of line ${track.line}`,
    });
    row.audio = audio;
    row.waveform = new Waveform(canvas, audio, track.key);
    row.parts.media.replaceChildren(audio, canvas, spectrogram);
    row.parts.media.hidden = false;
    this.visible.observe(row);
  }

  pauseAllBut(playing) {
    for (const row of this.rows.values())
      if (row.audio && row.audio !== playing && !row.audio.paused) row.audio.pause();
  }

  /** Space plays or pauses the focused track; arrows seek and move between tracks. */
  key(event) {
    const row = event.target.closest?.('li.track');
    if (!row || event.altKey || event.ctrlKey || event.metaKey) return;
    // Controls inside a row keep their own keys (a button's Space, the player's arrows).
    if (event.target !== row) return;
    const audio = row.audio;
    if (event.key === ' ' || event.code === 'Space') {
      event.preventDefault();
      if (audio) audio.paused ? audio.play() : audio.pause();
    } else if ((event.key === 'ArrowRight' || event.key === 'ArrowLeft') && audio) {
      event.preventDefault();
      const step = event.key === 'ArrowRight' ? SEEK_SECONDS : -SEEK_SECONDS;
      audio.currentTime = Math.max(0, audio.currentTime + step);
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const rows = [...this.list.children].filter((r) => !r.hidden);
      const next = rows[rows.indexOf(row) + (event.key === 'ArrowDown' ? 1 : -1)];
      next?.focus();
    }
  }
}

function details(track) {
  const out = [];
  if ((track.status === 'failed' || track.status === 'invalid') && track.error) {
    out.push(el('p', { class: 'error' }, `line ${track.line}: ${track.error}`));
  }
  if (track.reason === 'duplicate')
    out.push(el('p', { class: 'muted' }, `same job as line ${track.duplicateOf}`));
  else if (track.reason === 'exists') out.push(el('p', { class: 'muted' }, 'already in the store'));
  for (const warning of track.warnings) out.push(el('p', { class: 'warning' }, warning));
  if (track.qa) {
    const q = track.qa;
    const loudness = q.loudnessLufs === null ? 'silent' : `${q.loudnessLufs} LUFS`;
    out.push(
      el(
        'p',
        { class: `qa qa-${q.verdict}` },
        `QA ${q.verdict}${q.reasons.length ? ` (${q.reasons.join(', ')})` : ''}: loudness ${loudness}, ` +
          `silence ${q.silenceRatio}, clipping ${q.clippingRatio}, flatness ${q.flatness}, repetition ${q.repetition}`,
      ),
    );
  }
  if (track.seed !== null)
    out.push(
      el(
        'p',
        { class: 'muted' },
        `seed ${track.seed}${track.attempts.length > 1 ? `, ${track.attempts.length} takes made` : ''}`,
      ),
    );
  return out;
}
