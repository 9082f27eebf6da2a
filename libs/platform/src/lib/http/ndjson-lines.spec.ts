import { describe, expect, it } from '@jest/globals';
import { ndjsonLines, type NdjsonLine } from './ndjson-lines';

async function linesOf(chunks: string[], max = 10): Promise<NdjsonLine[]> {
  const lines: NdjsonLine[] = [];
  async function* body() {
    yield* chunks.map((chunk) => Buffer.from(chunk));
  }
  for await (const line of ndjsonLines(body(), max)) lines.push(line);
  return lines;
}

describe('ndjsonLines', () => {
  it('splits lines across chunks, accepts CRLF and a last line without a newline', async () => {
    expect(await linesOf(['{"a"', ':1}\r\n{"b":2}\n', '', '{"c":3}'])).toEqual([
      { number: 1, text: '{"a":1}' },
      { number: 2, text: '{"b":2}' },
      { number: 3, text: '{"c":3}' },
    ]);
  });

  it('reports an over-long line without keeping it, and goes on with the next', async () => {
    expect(await linesOf(['0123456789', 'abcdef\n{"ok":1}\n'])).toEqual([
      { number: 1, tooLong: true },
      { number: 2, text: '{"ok":1}' },
    ]);
  });

  it('keeps empty lines as lines, so numbers match the file', async () => {
    expect(await linesOf(['a\n\nb\n'])).toEqual([
      { number: 1, text: 'a' },
      { number: 2, text: '' },
      { number: 3, text: 'b' },
    ]);
  });

  it('reads multi-byte characters split between chunks', async () => {
    const euro = Buffer.from('€');
    const lines: NdjsonLine[] = [];
    async function* body() {
      yield euro.subarray(0, 1);
      yield Buffer.concat([euro.subarray(1), Buffer.from('\n')]);
    }
    for await (const line of ndjsonLines(body(), 10)) lines.push(line);
    expect(lines).toEqual([{ number: 1, text: '€' }]);
  });
});
