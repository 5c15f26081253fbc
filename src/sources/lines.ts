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


/**
 * The same lines, a chunk's worth at a time: the bytes of the complete lines in a chunk are decoded
 * at once and split as a string, so a line costs no generator step and no decoder call of its own.
 * The bound and \r handling are those of `splitLines`; an over-long line comes as a `LongLine`.
 */
export async function* splitLineBatches(chunks: AsyncIterable<Buffer>, maxLine: number): AsyncGenerator<(string | LongLine)[]> {
  let carry: Buffer | undefined; // the start of a line whose end is in a later chunk
  let discarding = 0; // bytes of an over-long line seen so far
  for await (const chunk of chunks) {
    const out: (string | LongLine)[] = [];
    let start = 0;
    const first = chunk.indexOf(10);
    if (first < 0) {
      if (discarding || (carry?.length ?? 0) + chunk.length > maxLine) {
        discarding += (carry?.length ?? 0) + chunk.length;
        carry = undefined;
      } else carry = carry ? Buffer.concat([carry, chunk]) : Buffer.from(chunk); // the stream may reuse its chunk
      continue;
    }
    // the line that began in earlier chunks
    if (discarding || (carry?.length ?? 0) + first > maxLine) {
      out.push({ tooLong: discarding + (carry?.length ?? 0) + first });
    } else out.push(decodeLine(carry ? Buffer.concat([carry, chunk.subarray(0, first)]) : chunk.subarray(0, first)));
    discarding = 0;
    carry = undefined;
    start = first + 1;
    const last = chunk.lastIndexOf(10);
    if (last > first) {
      // every complete line in the chunk within the bound: one decode, one split (the usual case)
      let fits = true;
      for (let p = start, nl = chunk.indexOf(10, p); nl >= 0 && nl <= last; p = nl + 1, nl = chunk.indexOf(10, p)) {
        if (nl - p > maxLine) {
          fits = false;
          break;
        }
      }
      if (fits) {
        const text = chunk.toString('utf8', start, last);
        let p = 0;
        for (let nl = text.indexOf('\n'); nl >= 0; p = nl + 1, nl = text.indexOf('\n', p)) out.push(dropCR(text.slice(p, nl)));
        out.push(dropCR(text.slice(p)));
      } else {
        for (let p = start, nl = chunk.indexOf(10, p); nl >= 0 && nl <= last; p = nl + 1, nl = chunk.indexOf(10, p)) {
          out.push(nl - p > maxLine ? { tooLong: nl - p } : decodeLine(chunk.subarray(p, nl)));
        }
      }
      start = last + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length > maxLine) discarding = rest.length;
    else if (rest.length) carry = Buffer.from(rest);
    yield out;
  }
  if (discarding) yield [{ tooLong: discarding }];
  else if (carry?.length) yield [decodeLine(carry)];
}

function decodeLine(b: Buffer): string {
  return (b.length && b[b.length - 1] === 13 ? b.subarray(0, b.length - 1) : b).toString('utf8');
}

function dropCR(s: string): string {
  return s.length && s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s;
}
