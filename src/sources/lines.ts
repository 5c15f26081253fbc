/** Lines of a byte stream in bounded memory: what flow logs and watch streams are made of. */

/** A line longer than the bound: only its length is kept. */
export interface LongLine {
  tooLong: number;
}

/**
 * Lines of a byte stream split on \n (a \r before it dropped), in bounded memory: a line longer than
 * `maxLine` bytes (a corrupt log, a gzip bomb without newlines, /dev/zero) is skipped as it streams.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer>, maxLine: number): AsyncGenerator<string | LongLine> {
  let parts: Buffer[] = [];
  let held = 0;
  let discarding = 0; // bytes of an over-long line seen so far
  const text = (b: Buffer): string => (b.length && b[b.length - 1] === 13 ? b.subarray(0, b.length - 1) : b).toString('utf8');
  for await (const chunk of chunks) {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (discarding || held + piece.length > maxLine) {
        yield { tooLong: discarding + held + piece.length };
        discarding = 0;
      } else if (held) {
        parts.push(piece);
        yield text(Buffer.concat(parts));
      } else {
        yield text(piece);
      }
      parts = [];
      held = 0;
    }
    const rest = chunk.subarray(start);
    if (!rest.length) continue;
    if (discarding || held + rest.length > maxLine) {
      discarding += held + rest.length;
      parts = [];
      held = 0;
    } else {
      parts.push(Buffer.from(rest)); // the stream may reuse its chunk
      held += rest.length;
    }
  }
  if (discarding) yield { tooLong: discarding };
  else if (held) yield text(Buffer.concat(parts));
}

