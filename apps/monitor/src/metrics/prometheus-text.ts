/** One sample of Prometheus' text format: `name{label="v",...} value`. */
export interface PrometheusSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Parses Prometheus' text exposition format (what Triton serves on its metrics port). Comments
 * (`# HELP`, `# TYPE`) and malformed lines are skipped.
 *
 * @example
 * ```ts
 * parsePrometheusText('nv_inference_count{model="musicgen_lm",version="1"} 12\n');
 * // [{ name: 'nv_inference_count', labels: { model: 'musicgen_lm', version: '1' }, value: 12 }]
 * ```
 */
export function parsePrometheusText(text: string): PrometheusSample[] {
  const samples: PrometheusSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[3] ?? '').matchAll(LABEL)) {
      labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, (_m, c: string) =>
        c === 'n' ? '\n' : c,
      );
    }
    const value = match[4] === '+Inf' ? Infinity : match[4] === '-Inf' ? -Infinity : Number(match[4]);
    if (!Number.isNaN(value) || match[4] === 'NaN') samples.push({ name: match[1] as string, labels, value });
  }
  return samples;
}
