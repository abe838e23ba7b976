import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalStore } from '@musicgen/store';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BROWSERS, describeWithBrowser, pngPixels, runBatch, startBatch } from '../testing/browser.js';
import { startPageServer, type PageServer } from './page-server.js';

const PROMPTS = [
  '# a preview run for the page',
  'calm lofi piano with soft vinyl crackle ; 8 ; lofi',
  'upbeat synthwave with driving bass ; 10 ; synthwave',
  'slow ambient drone with distant bells ; 120 ; drone',
  'this line has no duration ; ; broken',
  'calm lofi piano with soft vinyl crackle ; 8 ; lofi',
  '',
].join('\n');
const LIVE_PROMPTS = [
  'rain on a tin roof ; 60 ; rain',
  'night city ambience ; 60 ; city',
  'calm lofi piano with soft vinyl crackle ; 8 ; lofi ; seed=7',
  '',
].join('\n');

let work: string;
let server: PageServer;
let report: {
  id: string;
  jobs: { line: number; status: string; key: string | null; error: string | null; seed?: number }[];
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'musicgen-page-browser-'));
  await writeFile(join(work, 'songs.txt'), PROMPTS);
  const batch = runBatch(['--prompts=songs.txt'], work);
  expect(batch.code, batch.stderr).toBe(1); // the invalid line
  const reports = (await readdir(join(work, 'output', 'reports'))).filter((f) =>
    /Z-[0-9a-f]+\.json$/.test(f),
  );
  report = JSON.parse(await readFile(join(work, 'output', 'reports', reports[0] as string), 'utf8'));
  server = await startPageServer({
    store: createLocalStore({ directory: join(work, 'output') }),
    cacheDir: join(work, 'cache'),
    port: 0,
    pollMs: 250,
  });
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** What the page shows of each track. */
function readRows(page: Page) {
  return page.$$eval('li.track', (items) =>
    items.map((row) => ({
      line: Number((row as HTMLElement).dataset['line']),
      status: row.querySelector('.status')?.textContent,
      prompt: row.querySelector('.prompt')?.textContent,
      key: row.querySelector('.key')?.textContent,
      error: row.querySelector('.error')?.textContent ?? null,
      player: row.querySelector('audio') !== null,
    })),
  );
}

/** Every line of the first run, as the page must show it. */
function expectedRows() {
  const invalid = report.jobs.find((j) => j.status === 'invalid');
  const key = (i: number) => report.jobs[i]?.key;
  return [
    {
      line: 2,
      status: 'generated',
      prompt: 'calm lofi piano with soft vinyl crackle',
      key: key(0),
      error: null,
      player: true,
    },
    {
      line: 3,
      status: 'generated',
      prompt: 'upbeat synthwave with driving bass',
      key: key(1),
      error: null,
      player: true,
    },
    {
      line: 4,
      status: 'generated',
      prompt: 'slow ambient drone with distant bells',
      key: key(2),
      error: null,
      player: true,
    },
    {
      line: 5,
      status: 'invalid',
      prompt: '(invalid line)',
      key: '',
      error: `line 5: ${invalid?.error}`,
      player: false,
    },
    {
      line: 6,
      status: 'skipped',
      prompt: 'calm lofi piano with soft vinyl crackle',
      key: key(0),
      error: null,
      player: true,
    },
  ];
}

/** Takes a screenshot into the test's folder and checks it is not blank; returns its path. */
async function nonBlankScreenshot(page: Page, name: string, width: number, height: number): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForFunction(
    () =>
      [...document.images]
        .filter((img) => img.getBoundingClientRect().top < innerHeight)
        .every((img) => img.complete && img.naturalWidth > 0),
    {
      timeout: 15_000,
    },
  );
  const path = join(work, name);
  await page.screenshot({ path });
  const rgb = pngPixels(path);
  expect(rgb.length).toBe(width * height * 3);
  const colours = new Set<number>();
  for (let i = 0; i < rgb.length; i += 3) {
    colours.add(((rgb[i] as number) << 16) | ((rgb[i + 1] as number) << 8) | (rgb[i + 2] as number));
  }
  // Text, players, waveforms and spectrograms: thousands of colours; a blank page has one.
  expect(colours.size).toBeGreaterThan(1000);
}

describeWithBrowser('chromium', 'the page in Chromium (puppeteer-core)', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await BROWSERS.chromium.launch();
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1500 });
    await page.goto(server.url, { waitUntil: 'load' });
    await page.waitForSelector('li.track');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('lists every job of the run with its status, prompt and file name; invalid lines with their error', async () => {
    expect(await readRows(page)).toEqual(expectedRows());
    expect(await page.$eval('#summary h2', (h) => h.textContent)).toBe(`Run ${report.id} finished`);
    expect(await page.$eval('#summary .model', (p) => p.textContent)).toBe(
      'Preview engine: a synthesiser, not MusicGen',
    );
  });

  it('plays a track (its currentTime advances), and Space on the focused track pauses and plays it', async () => {
    const first = 'li.track[data-line="2"]';
    const time = () => page.$eval(`${first} audio`, (a) => (a as HTMLAudioElement).currentTime);
    await page.focus(first);
    await page.keyboard.press('Space');
    await page.waitForFunction(
      (s) => !(document.querySelector(`${s} audio`) as HTMLAudioElement).paused,
      {},
      first,
    );
    await page.waitForFunction(
      (s) => (document.querySelector(`${s} audio`) as HTMLAudioElement).currentTime > 0.5,
      { timeout: 10_000 },
      first,
    );
    await page.keyboard.press('Space');
    const paused = await page.$eval(`${first} audio`, (a) => (a as HTMLAudioElement).paused);
    const at = await time();
    await new Promise((r) => setTimeout(r, 400));
    expect([paused, await time()]).toEqual([true, at]);
  }, 30_000);

  it('seeks through the waveform with a range request, answered 206 by the page server', async () => {
    const row = 'li.track[data-line="4"]'; // 120 s: the player does not hold it all after the first request
    const ranges: { range: string | undefined; status: number; contentRange: string | undefined }[] = [];
    page.on('response', (response) => {
      if (!response.url().endsWith(`/audio/${report.jobs[2]?.key}`)) return;
      ranges.push({
        range: response.request().headers()['range'],
        status: response.status(),
        contentRange: response.headers()['content-range'],
      });
    });
    // At 1 MB/s the first request holds only the start of the file when the click comes: a player on a
    // fast loopback may otherwise have read the whole file already, and would seek without asking.
    await page.emulateNetworkConditions({ download: 1_000_000, upload: 1_000_000, latency: 0 });
    await page.$eval(`${row} audio`, (a) => (a as HTMLAudioElement).play());
    await page.waitForFunction(
      (s) => (document.querySelector(`${s} audio`) as HTMLAudioElement).currentTime > 0.2,
      {},
      row,
    );
    const canvas = await page.$(`${row} canvas.wave`);
    await canvas?.scrollIntoView();
    const box = await canvas?.boundingBox();
    if (!box) throw new Error('the waveform has no box');
    // currentTime moves at once on a seek; the answer to the seek's request comes after.
    const seekAnswered = page.waitForResponse(
      (r) =>
        r.url().endsWith(`/audio/${report.jobs[2]?.key}`) &&
        !(r.request().headers()['range'] ?? '').startsWith('bytes=0-'),
      { timeout: 10_000 },
    );
    await page.mouse.click(box.x + box.width * 0.9, box.y + box.height / 2);
    await seekAnswered;
    await page.waitForFunction(
      (s) => (document.querySelector(`${s} audio`) as HTMLAudioElement).currentTime > 100,
      { timeout: 10_000 },
      row,
    );
    await page.$eval(`${row} audio`, (a) => (a as HTMLAudioElement).pause());
    await page.emulateNetworkConditions(null);
    const size = 44 + 120 * 32000 * 2;
    const seek = ranges.find((r) => r.range !== undefined && !r.range.startsWith('bytes=0-'));
    expect(seek).toBeDefined();
    const start = Number(/^bytes=(\d+)-$/.exec(seek?.range ?? '')?.[1]);
    expect(start).toBeGreaterThan(size * 0.8);
    expect(seek).toEqual({
      range: `bytes=${start}-`,
      status: 206,
      contentRange: `bytes ${start}-${size - 1}/${size}`,
    });
  }, 30_000);

  it('saves a screenshot that is not blank', async () => {
    await nonBlankScreenshot(page, 'chromium.png', 1280, 1500);
  }, 30_000);

  it('follows a batch while it runs: a job moves, finishes and gets its player, without a reload', async () => {
    await page.evaluate(() => {
      const w = window as unknown as { seen: Record<string, string[]>; states: string[]; marker: string };
      w.marker = 'not reloaded';
      w.seen = {};
      w.states = [];
      const record = () => {
        const state = document.querySelector('#summary .state')?.textContent ?? '';
        if (w.states.at(-1) !== state) w.states.push(state);
        for (const row of document.querySelectorAll('li.track')) {
          const name = row.querySelector('.prompt')?.textContent ?? '';
          const status = row.querySelector('.status')?.textContent ?? '';
          const seen = (w.seen[name] ??= []);
          if (seen.at(-1) !== status) seen.push(status);
        }
      };
      new MutationObserver(record).observe(document.body, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    });
    await writeFile(join(work, 'live.txt'), LIVE_PROMPTS);
    const live = await startBatch(['--prompts=live.txt', '--concurrency=1'], work);
    expect(live.code, live.stderr).toBe(0);
    const id = /^Run ([0-9a-f]{8}):/m.exec(live.stderr)?.[1];
    await page.waitForFunction(
      (runId) => document.querySelector('#summary h2')?.textContent === `Run ${runId} finished`,
      { timeout: 15_000 },
      id,
    );
    const seen = await page.evaluate(() => {
      const { seen, states, marker } = window as unknown as {
        seen: Record<string, string[]>;
        states: string[];
        marker: string;
      };
      return { seen, states, marker };
    });
    expect(seen.marker).toBe('not reloaded');
    expect(seen.states).toContain('running');
    expect(seen.states.at(-1)).toBe('finished');
    // The second job was seen before it was done (queued or working), then generated.
    const city = seen.seen['night city ambience'] ?? [];
    expect(city.at(-1)).toBe('generated');
    expect(
      city.slice(0, -1).filter((s) => ['queued', 'waiting', 'generating', 'decoding', 'storing'].includes(s))
        .length,
    ).toBeGreaterThan(0);
    expect(await page.$$eval('li.track audio', (players) => players.length)).toBe(3);
  }, 120_000);

  it('compares two takes of one prompt side by side with their options, the differing seed marked', async () => {
    const row = 'li.track[data-line="3"]'; // the live run's take with seed=7
    const [, takes] = await page.$$(`${row} .actions button`);
    await takes?.click();
    await page.waitForSelector('#compare .other-takes li button');
    await page.click('#compare .other-takes li button');
    await page.waitForFunction(() => document.querySelectorAll('#compare article.take').length === 2);
    const cards = await page.$$eval('#compare article.take', (articles) =>
      articles.map((a) => ({
        prompt: a.querySelector('.prompt')?.textContent,
        player: a.querySelector('audio') !== null,
        options: Object.fromEntries(
          [...a.querySelectorAll('tr')].map((tr) => [
            tr.querySelector('th')?.textContent,
            `${tr.querySelector('td')?.textContent}${tr.className === 'differs' ? ' (differs)' : ''}`,
          ]),
        ),
      })),
    );
    const first = report.jobs[0] as { seed?: number };
    const options = (seed: string) => ({
      seed,
      model: 'musicgen-preview',
      guidance: '3',
      'top-k': '250',
      'top-p': '0',
      temperature: '1',
      duration: '8 s',
      format: 'pcm16',
      normalisation: 'peak',
      QA: 'ok',
    });
    expect(cards).toEqual([
      { prompt: 'calm lofi piano with soft vinyl crackle', player: true, options: options('7 (differs)') },
      {
        prompt: 'calm lofi piano with soft vinyl crackle',
        player: true,
        options: options(`${first.seed} (differs)`),
      },
    ]);
    expect(await page.$eval('#compare h2', (h) => h.textContent)).toBe('Two takes side by side');
  }, 30_000);
});

describeWithBrowser('firefox', 'the page in Firefox (puppeteer-core over WebDriver BiDi)', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await BROWSERS.firefox.launch();
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1500 });
    // The run asked for in the address, whatever runs came after it.
    await page.goto(`${server.url}#run=${report.id}`, { waitUntil: 'load' });
    await page.waitForSelector('li.track');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('lists every job of the run with its status', async () => {
    expect(await readRows(page)).toEqual(expectedRows());
  });

  it('plays the focused track with Space (its currentTime advances) and pauses it', async () => {
    const first = 'li.track[data-line="3"]';
    await page.focus(first);
    await page.keyboard.press(' ');
    await page.waitForFunction(
      (s) => (document.querySelector(`${s} audio`) as HTMLAudioElement).currentTime > 0.5,
      { timeout: 10_000 },
      first,
    );
    await page.keyboard.press(' ');
    expect(await page.$eval(`${first} audio`, (a) => (a as HTMLAudioElement).paused)).toBe(true);
  }, 30_000);

  it('draws the page (a non-blank screenshot)', async () => {
    await nonBlankScreenshot(page, 'firefox.png', 1280, 1500);
  }, 30_000);
});
