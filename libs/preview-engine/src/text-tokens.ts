/**
 * What the preview engine reports as TEXT_TOKENS (contract v1.2): `[prompt tokens, tokens read]`. It
 * has no T5 tokenizer, so it counts words (runs of non-space characters) plus the end token, and
 * reads at most `maxTextTokens` of them, as the GPU server reads at most its `max_text_tokens` T5
 * tokens. An English prompt has about 1.3 T5 tokens per word, so the GPU server truncates earlier.
 *
 * @example
 * ```ts
 * previewTextTokens('calm lofi piano', 64); // [4, 4]
 * ```
 */
export function previewTextTokens(text: string, maxTextTokens: number): [number, number] {
  const words = text.match(/\S+/g)?.length ?? 0;
  return [words + 1, Math.min(words + 1, maxTextTokens)];
}
