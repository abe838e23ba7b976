// The listening page: runs of a store, newest first; one run's tracks with players, waveforms and
// spectrograms; live updates while a run works (server-sent events); the GPU panel; comparisons.
import { Compare } from './compare.js';
import { bytes, duration, el, modelLine, when } from './format.js';
import { TrackList } from './tracks.js';

const $ = (id) => document.getElementById(id);
const compare = new Compare($('compare'));
const tracks = new TrackList($('tracks'), {
  onCompare: (track, run) => compare.add(track, run.id),
  onTakes: (track, run) => compare.showTakes(track, run.id),
});
const state = { runs: [], run: undefined, events: undefined, opening: undefined };

/** The run asked for in the address (`#run=ID`), or undefined: follow the newest run. */
const chosenRun = () => new URLSearchParams(location.hash.slice(1)).get('run') ?? undefined;

async function getJson(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(await response.text());
  return response.json();
}

function showRuns(runs) {
  state.runs = runs;
  const select = $('run-select');
  const current = state.run?.id;
  select.replaceChildren(
    ...runs.map((r) =>
      el(
        'option',
        { value: r.id, selected: r.id === current },
        `${when(r.startedAt)} · ${r.counts.total} jobs · ${r.state} · ${r.id}`,
      ),
    ),
  );
  if (runs.length === 0)
    $('summary').replaceChildren(
      el(
        'p',
        {},
        'No runs in this store yet: run the batch (npx nx run batch:run --prompts=...) and they appear here.',
      ),
    );
  const wanted = chosenRun() ?? runs[0]?.id;
  if (wanted && wanted !== current && wanted !== state.opening) void openRun(wanted);
}

async function openRun(id) {
  state.opening = id;
  try {
    showRun(await getJson(`/api/runs/${encodeURIComponent(id)}`));
    listen(id);
  } catch (error) {
    $('problem').hidden = false;
    $('problem').textContent = error.message;
  } finally {
    if (state.opening === id) state.opening = undefined;
  }
}

function showRun(run) {
  if (!run) return;
  state.run = run;
  $('run-select').value = run.id;
  $('store').textContent = run.location ?? '';
  showSummary(run);
  tracks.show(run);
}

function showSummary(run) {
  const c = run.counts;
  const facts = [
    ['generated', c.generated],
    ['skipped', c.skipped],
    ['failed', c.failed],
    ['invalid', c.invalid],
    ...(c.suspect ? [['suspect', c.suspect]] : []),
  ];
  const parts = [
    el('h2', {}, `Run ${run.id} `, el('span', { class: `state st-${run.state}` }, run.state)),
    el(
      'p',
      { class: 'muted' },
      `${run.prompts ?? 'prompts file not recorded'}, started ${when(run.startedAt)}`,
    ),
    el(
      'ul',
      { class: 'counts' },
      facts.map(([name, n]) =>
        el('li', { class: `count c-${name}` }, el('strong', {}, String(n)), ` ${name}`),
      ),
    ),
    el('p', {}, `${duration(run.audioSeconds)} of audio generated in ${duration(run.wallSeconds)}`),
    el('p', { class: run.preview ? 'model preview' : 'model' }, modelLine(run)),
  ];
  const p = run.progress;
  if (p && (run.state === 'running' || run.state === 'stopped')) {
    const eta = p.etaSeconds === null ? 'ETA unknown' : `ETA ${duration(p.etaSeconds)}`;
    parts.push(
      el(
        'p',
        { class: 'overall' },
        el('progress', { max: '1', value: String(p.fractionDone), 'aria-label': 'run progress' }),
        ` ${Math.round(p.fractionDone * 100)}% · ${p.done} of ${p.jobs} jobs · ${p.audioSecondsPerSecond.toFixed(2)} s of audio per second · ${run.state === 'running' ? eta : 'no update for a while: the run stopped'}`,
      ),
    );
  }
  const written = run.tracks.filter((t) => t.status === 'generated').reduce((s, t) => s + t.bytes, 0);
  if (written > 0) parts.push(el('p', { class: 'muted' }, `${bytes(written)} written`));
  $('summary').replaceChildren(...parts);
}

function showGpu(panel) {
  const section = $('gpu');
  section.hidden = false;
  if (!panel.reachable) {
    section.replaceChildren(
      el('h2', {}, 'GPU'),
      el('p', { class: 'muted' }, `Triton's metrics are not reachable: ${panel.error}`),
    );
    return;
  }
  const gib = (b) => (b / 2 ** 30).toFixed(1);
  const items = [
    panel.utilisation === null ? null : `utilisation ${Math.round(panel.utilisation * 100)}%`,
    panel.memoryUsedBytes === null
      ? null
      : `memory ${gib(panel.memoryUsedBytes)} of ${gib(panel.memoryTotalBytes ?? 0)} GiB`,
    panel.slots === null
      ? null
      : `slots ${panel.slotsInUse ?? 0} of ${panel.slots} in use, ${panel.waiting ?? 0} waiting`,
    panel.audioSecondsPerSecond === null ? null : `${panel.audioSecondsPerSecond} s of audio per second`,
  ].filter(Boolean);
  section.replaceChildren(
    el('h2', {}, 'GPU'),
    el(
      'ul',
      {},
      items.map((text) => el('li', {}, text)),
    ),
  );
}

function listen(runId) {
  state.events?.close();
  const events = new EventSource(
    runId === undefined ? '/api/events' : `/api/events?run=${encodeURIComponent(runId)}`,
  );
  state.events = events;
  events.addEventListener('run', (e) => {
    const run = JSON.parse(e.data);
    if (run && run.id === state.run?.id) showRun(run);
  });
  events.addEventListener('runs', (e) => showRuns(JSON.parse(e.data)));
  events.addEventListener('gpu', (e) => showGpu(JSON.parse(e.data)));
  events.addEventListener('problem', (e) => {
    const problem = JSON.parse(e.data);
    $('problem').hidden = problem === null;
    $('problem').textContent = problem?.message ?? '';
  });
}

$('run-select').addEventListener('change', (e) => {
  location.hash = `run=${encodeURIComponent(e.target.value)}`;
});
window.addEventListener('hashchange', () => showRuns(state.runs));
$('filter-status').addEventListener('change', (e) => tracks.setFilter({ status: e.target.value }));
$('filter-text').addEventListener('input', (e) => tracks.setFilter({ text: e.target.value }));
$('sort').addEventListener('change', (e) => tracks.setFilter({ sort: e.target.value }));

try {
  showRuns(await getJson('/api/runs'));
  if (state.runs.length === 0) listen(undefined);
} catch (error) {
  $('problem').hidden = false;
  $('problem').textContent = error.message;
}
