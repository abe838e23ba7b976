// A track's waveform on a canvas: drawn from the server's peaks, the played part highlighted; a click or
// a key seeks the track's audio there.
import { objectUrl } from './format.js';

const PLAYED = '#e07a2a';
const UNPLAYED = '#6b7a99';

export class Waveform {
  constructor(canvas, audio, key) {
    this.canvas = canvas;
    this.audio = audio;
    this.key = key;
    this.peaks = undefined;
    this.frame = 0;
    canvas.addEventListener('click', (event) => {
      const box = canvas.getBoundingClientRect();
      this.seekTo((event.clientX - box.left) / box.width);
    });
    for (const name of ['timeupdate', 'seeked', 'loadedmetadata'])
      audio.addEventListener(name, () => this.draw());
    audio.addEventListener('play', () => this.follow());
  }

  /** Fetches the peaks (once) and draws them. */
  async load() {
    if (this.peaks) return;
    const response = await fetch(objectUrl('waveform', this.key));
    if (!response.ok) {
      this.canvas.dataset.error = await response.text();
      return;
    }
    this.peaks = await response.json();
    this.draw();
  }

  /** Seconds of audio: the element's once it knows, else the peaks'. */
  seconds() {
    return Number.isFinite(this.audio.duration) ? this.audio.duration : (this.peaks?.seconds ?? 0);
  }

  seekTo(fraction) {
    const seconds = this.seconds();
    if (seconds > 0) this.audio.currentTime = Math.min(Math.max(fraction, 0), 0.999) * seconds;
  }

  follow() {
    cancelAnimationFrame(this.frame);
    const step = () => {
      this.draw();
      if (!this.audio.paused) this.frame = requestAnimationFrame(step);
    };
    this.frame = requestAnimationFrame(step);
  }

  draw() {
    const { canvas, peaks } = this;
    if (!peaks) return;
    const context = canvas.getContext('2d');
    const { width, height } = canvas;
    context.clearRect(0, 0, width, height);
    const seconds = this.seconds();
    const played = seconds > 0 ? (this.audio.currentTime / seconds) * width : 0;
    const middle = height / 2;
    for (let x = 0; x < width; x++) {
      const column = Math.floor((x * peaks.columns) / width);
      const top = middle - Math.max(peaks.max[column], 0) * middle;
      const bottom = middle - Math.min(peaks.min[column], 0) * middle;
      context.fillStyle = x < played ? PLAYED : UNPLAYED;
      context.fillRect(x, top, 1, Math.max(1, bottom - top));
    }
  }
}
