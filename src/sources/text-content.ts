/**
 * Is this file text podwall can read? Manifests are UTF-8 (YAML or JSON). A compressed, binary or
 * UTF-16 file would otherwise parse as one odd scalar and vanish without a word; it is an error
 * that names the file, the line and what to do.
 */
import { isUtf8 } from 'node:buffer';
import { InputError } from '../k8s/errors.js';

export function checkText(bytes: Buffer, file: string): string {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new InputError('the file is gzip-compressed, not YAML or JSON: decompress it first (gunzip -c FILE | podwall ... -f -)', { file });
  }
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    throw new InputError('the file is UTF-16 encoded; podwall reads UTF-8 (convert it: iconv -f UTF-16 -t UTF-8)', { file });
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    // UTF-16 without a byte order mark has a NUL beside every ASCII character
    const utf16 = bytes.length >= 4 && (bytes[1] === 0 || bytes[0] === 0) && (bytes[3] === 0 || bytes[2] === 0);
    const what = utf16 ? 'is UTF-16 encoded; podwall reads UTF-8 (convert it: iconv -f UTF-16 -t UTF-8)' : 'holds NUL bytes: it is binary, not YAML or JSON';
    throw new InputError(`the file ${what}`, { file, line: lineAt(bytes, nul) });
  }
  if (!isUtf8(bytes)) {
    throw new InputError('the file is not valid UTF-8 (binary, or another encoding such as Latin-1): podwall reads UTF-8 YAML or JSON', { file, line: lineAt(bytes, firstInvalidUtf8(bytes)) });
  }
  return bytes.toString('utf8');
}

function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(10); i >= 0 && i < offset; i = bytes.indexOf(10, i + 1)) line++;
  return line;
}

/** The offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
function firstInvalidUtf8(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n === 0) return i;
    if (n > 1 && !isUtf8(b.subarray(i, i + n))) return i;
    i += n;
  }
  return b.length;
}
