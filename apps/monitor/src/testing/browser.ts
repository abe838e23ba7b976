import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { launch, type Browser } from 'puppeteer-core';
import { describe, it } from 'vitest';

/** Debian's Chromium (`apt-get install -y --no-install-recommends chromium`); CHROMIUM_PATH overrides it. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/**
 * Chromium's launch flags for the page tests:
 * - `--no-sandbox`: Chromium refuses to start as root with its sandbox (CI runs as root);
 * - `--autoplay-policy=no-user-gesture-required`: `audio.play()` from a test, without a click;
 * - `--mute-audio`: no sound device is needed (playback still advances `currentTime`);
 * - `--disable-dev-shm-usage`: containers give /dev/shm 64 MB, too little for the renderer;
 * - `--disable-gpu`: no GPU in CI; software rendering draws the canvas and images.
 */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--autoplay-policy=no-user-gesture-required',
  '--mute-audio',
  '--disable-dev-shm-usage',
  '--disable-gpu',
] as const;

/** Debian's Firefox ESR (`apt-get install -y --no-install-recommends firefox-esr`); FIREFOX_PATH overrides it. */
export const FIREFOX = process.env['FIREFOX_PATH'] ?? '/usr/bin/firefox-esr';

/**
 * Firefox's preferences for the page tests, driven over WebDriver BiDi: `media.autoplay.default` 0
 * allows `audio.play()` without a click. Headless Firefox needs no sandbox flag as root, nor a sound
 * device for playback to advance.
 */
export const FIREFOX_PREFS = { 'media.autoplay.default': 0, 'media.autoplay.blocking_policy': 0 } as const;

/** The browsers the page is tested in, and how each starts (headless). */
export const BROWSERS = {
  chromium: {
    path: CHROMIUM,
    package: 'chromium',
    launch: (): Promise<Browser> =>
      launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_FLAGS] }),
  },
  firefox: {
    path: FIREFOX,
    package: 'firefox-esr',
    launch: (): Promise<Browser> =>
      launch({
        browser: 'firefox',
        executablePath: FIREFOX,
        headless: true,
        extraPrefsFirefox: { ...FIREFOX_PREFS },
      }),
  },
} as const;

/**
 * A describe block that needs a browser: skipped with the install command when it is missing, except
 * under CI (`CI` set), where it fails.
 */
export function describeWithBrowser(browser: keyof typeof BROWSERS, name: string, body: () => void): void {
  const { path, package: debianPackage } = BROWSERS[browser];
  if (existsSync(path)) {
    describe(name, body);
    return;
  }
  const message = `${path} not found: run \`apt-get install -y --no-install-recommends ${debianPackage}\``;
  if (process.env['CI']) {
    describe(name, () =>
      it(`has ${debianPackage}`, () => {
        throw new Error(`Cannot run the browser tests: ${message}`);
      }),
    );
    return;
  }
  console.warn(`Skipping "${name}": ${message}`);
  describe.skip(`${name} (skipped: ${message})`, body);
}

/** The batch's bin entry: the tests run the real command, as a user would. */
const BATCH_BIN = resolve(import.meta.dirname, '../../../batch/bin/musicgen-batch.mjs');

/** The environment of a batch run: no Triton, S3 or Nx variables leak in from the test runner. */
function batchEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(TRITON_|MUSICGEN_|AWS_|NX_|INIT_CWD|npm_)/.test(k)) env[k] = v;
  }
  return { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
}

/** Runs `musicgen-batch args...` in `cwd` (preview engine, no Triton) to its end. */
export function runBatch(args: readonly string[], cwd: string): { code: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [BATCH_BIN, ...args], {
    cwd,
    env: batchEnv(),
    encoding: 'utf8',
  });
  return { code: result.status, stderr: result.stderr };
}

/** Starts `musicgen-batch args...` in `cwd`; resolves with its exit code. */
export function startBatch(
  args: readonly string[],
  cwd: string,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BATCH_BIN, ...args], { cwd, env: batchEnv() });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((done) => child.on('close', (code) => done({ code, stderr })));
}

/** Decodes a PNG to raw RGB with ffmpeg (independent of the browser that made it). */
export function pngPixels(path: string): Buffer {
  const result = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    {
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  if (result.status !== 0) throw new Error(`ffmpeg cannot decode ${path}: ${result.stderr.toString()}`);
  return result.stdout;
}
