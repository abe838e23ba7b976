// Two takes side by side (of one prompt, with different seeds or settings), with their options; and the
// list of every stored take of a prompt, to pick them from.
import { duration, el, objectUrl } from './format.js';
import { Waveform } from './waveform.js';

const OPTIONS = [
  ['seed', (t) => t.seed],
  ['model', (t) => t.settings?.model],
  ['guidance', (t) => t.settings?.guidance],
  ['top-k', (t) => t.settings?.topK],
  ['top-p', (t) => t.settings?.topP],
  ['temperature', (t) => t.settings?.temperature],
  ['duration', (t) => (t.durationSeconds === null ? undefined : duration(t.durationSeconds))],
  ['format', (t) => t.rendering?.format],
  ['normalisation', (t) => t.rendering?.normalize],
  [
    'QA',
    (t) =>
      t.qa ? `${t.qa.verdict}${t.qa.reasons.length ? ` (${t.qa.reasons.join(', ')})` : ''}` : undefined,
  ],
];

export class Compare {
  constructor(section) {
    this.section = section;
    this.chosen = [];
    this.takes = [];
  }

  /** Adds a take to the comparison (two at most: the oldest choice gives way). */
  add(track, runId) {
    const take = { ...track, runId };
    this.chosen = [...this.chosen.filter((t) => t.key !== take.key), take].slice(-2);
    this.render();
  }

  /** Lists every stored take of the track's prompt, with this one chosen. */
  async showTakes(track, runId) {
    this.add(track, runId);
    const response = await fetch(`/api/takes?prompt=${encodeURIComponent(track.prompt)}`);
    this.takes = response.ok ? await response.json() : [];
    this.render();
  }

  close() {
    for (const audio of this.section.querySelectorAll('audio')) audio.pause();
    this.chosen = [];
    this.takes = [];
    this.render();
  }

  render() {
    const { section, chosen, takes } = this;
    section.hidden = chosen.length === 0;
    if (section.hidden) return section.replaceChildren();
    // With two takes, an option whose values differ is marked (an option neither recorded is not).
    const differs = (read) => {
      if (chosen.length !== 2) return false;
      const [a, b] = chosen.map(read);
      return a !== undefined && b !== undefined && String(a) !== String(b);
    };
    const cards = chosen.map((take) => {
      const rows = OPTIONS.map(([name, read]) => {
        const value = read(take);
        return el(
          'tr',
          { class: differs(read) ? 'differs' : '' },
          el('th', { scope: 'row' }, name),
          el('td', {}, value === undefined || value === null ? '–' : String(value)),
        );
      });
      const audio = el('audio', { controls: true, preload: 'none', src: objectUrl('audio', take.key) });
      const canvas = el('canvas', { class: 'wave', width: '800', height: '56', 'aria-hidden': 'true' });
      const waveform = new Waveform(canvas, audio, take.key);
      void waveform.load();
      return el(
        'article',
        { class: 'take', 'data-key': take.key },
        el('h3', {}, `line ${take.line}, run ${take.runId}`),
        el('p', { class: 'prompt' }, take.prompt ?? '(prompt not recorded)'),
        el('code', { class: 'key' }, take.key),
        audio,
        canvas,
        el('img', {
          class: 'spectrogram',
          src: objectUrl('spectrogram', take.key),
          alt: `Spectrogram of ${take.key}`,
          width: '800',
          height: '120',
        }),
        el('table', { class: 'options' }, el('tbody', {}, rows)),
      );
    });
    const others = takes.filter((t) => !chosen.some((c) => c.key === t.key));
    section.replaceChildren(
      el(
        'div',
        { class: 'compare-head' },
        el('h2', {}, chosen.length === 2 ? 'Two takes side by side' : 'Compare: choose a second take'),
        el('button', { type: 'button', onclick: () => this.close() }, 'Close'),
      ),
      el('div', { class: 'takes' }, cards),
      others.length > 0
        ? el(
            'div',
            { class: 'other-takes' },
            el('h3', {}, `Other takes of this prompt (${others.length})`),
            el(
              'ul',
              {},
              others.map((t) =>
                el(
                  'li',
                  {},
                  el('button', { type: 'button', onclick: () => this.add(t, t.runId) }, 'Compare'),
                  ` line ${t.line}, run ${t.runId}, seed ${t.seed ?? '–'}: `,
                  el('code', {}, t.key),
                ),
              ),
            ),
          )
        : null,
    );
  }
}
