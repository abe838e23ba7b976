/** S3's limit on user metadata: the UTF-8 bytes of every key and value together. */
export const MAX_METADATA_BYTES = 2048;

/**
 * Checks user metadata before it is stored: keys are lowercase `[a-z0-9-]` (HTTP header names that
 * survive S3's lower-casing), values are printable ASCII, and keys plus values take at most 2048 bytes.
 * Returns the metadata unchanged.
 *
 * @example
 * ```ts
 * validateMetadata({ 'musicgen-model': 'facebook/musicgen-medium' });
 * ```
 */
export function validateMetadata(metadata: Record<string, string>): Record<string, string> {
  let bytes = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) {
      throw new RangeError(
        `Cannot store metadata: names must be lowercase letters, digits and "-": got ${JSON.stringify(name)}`,
      );
    }
    if (!/^[\x20-\x7e]*$/.test(value)) {
      throw new RangeError(
        `Cannot store metadata: values must be printable ASCII (encode them first): got ${JSON.stringify(name)}`,
      );
    }
    bytes += name.length + value.length;
  }
  if (bytes > MAX_METADATA_BYTES) {
    throw new RangeError(
      `Cannot store metadata: names and values must take at most ${MAX_METADATA_BYTES} bytes: got ${bytes}`,
    );
  }
  return metadata;
}
