/** One line of an NDJSON body: its text, or that it was longer than allowed (its text dropped). */
export type NdjsonLine =
  | { readonly number: number; readonly text: string; readonly tooLong?: undefined }
  | { readonly number: number; readonly tooLong: true };

/**
 * The lines of a streamed body, as they arrive, without holding more than one line in memory: a line
 * longer than `maxLineBytes` is reported as such and skipped to its end, so no single line (or a body
 * with no newline at all) can exhaust memory. `\r\n` endings are accepted.
 */
export async function* ndjsonLines(
  body: AsyncIterable<Buffer | string>,
  maxLineBytes: number,
): AsyncGenerator<NdjsonLine> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overflowing = false;
  let number = 0;
  const finish = (): NdjsonLine => {
    number += 1;
    const line: NdjsonLine = overflowing
      ? { number, tooLong: true }
      : { number, text: Buffer.concat(pending).toString('utf8').replace(/\r$/, '') };
    pending = [];
    pendingBytes = 0;
    overflowing = false;
    return line;
  };
  for await (const chunk of body) {
    let buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    for (let newline = buffer.indexOf(0x0a); newline !== -1; newline = buffer.indexOf(0x0a)) {
      take(buffer.subarray(0, newline));
      yield finish();
      buffer = buffer.subarray(newline + 1);
    }
    take(buffer);
  }
  if (pendingBytes > 0 || overflowing) yield finish();

  function take(part: Buffer): void {
    if (overflowing || part.length === 0) return;
    if (pendingBytes + part.length > maxLineBytes) {
      overflowing = true;
      pending = [];
      pendingBytes = 0;
      return;
    }
    pending.push(part);
    pendingBytes += part.length;
  }
}
