// eslint-disable-next-line @nx/enforce-module-boundaries -- imported the way a consumer of the package does
import { formatPromptErrors, PromptsFileError, readPromptsFile } from '@musicgen/prompts';

const path = process.argv[2] ?? 'examples/prompts.txt';
try {
  const result = await readPromptsFile(path, { maxDurationSeconds: 300 });
  for (const line of formatPromptErrors(result)) console.error(line);
  for (const job of result.jobs) {
    const seed = job.seedDerived ? `${job.seed} (derived)` : String(job.seed);
    console.log(`${job.line}: ${job.key}  ${job.frames} frames  seed ${seed}  "${job.prompt}"`);
  }
  process.exitCode = result.errors.length > 0 ? 1 : 0;
} catch (error) {
  if (!(error instanceof PromptsFileError)) throw error;
  console.error(error.message);
  process.exitCode = 2;
}
