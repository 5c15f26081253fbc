/**
 * Gzip flow logs read within a budget of work. Lines are already held in bounded memory
 * (lines.ts), but a small gzip file can still decompress to gigabytes (deflate reaches about 1,000
 * to 1), and reading takes time in proportion to what comes out. So a compressed log may produce at
 * most `ratio` times its own size (and always at least GRACE_BYTES): reading it then costs at most as
 * much as a plain log `ratio` times its size. Beyond that it is refused: the rest of the log is not
 * read, so the answer would silently miss its flows (docs/faults.md, flow logs).
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../k8s/errors.js';

/**
 * What a gzip log may expand to, as a multiple of its compressed size. Real flow logs stay far below:
 * a synthetic agent log repeating one flow every second (only the time changes) compresses 77 to 1
 * at `gzip -9`, varied flows 11 to 15 to 1; a gzip bomb of zeros is about 1,030 to 1.
 */
export const DEFAULT_MAX_GUNZIP_RATIO = 200;
/** Output always allowed, whatever the ratio: a small file is cheap to read even when it is odd. */
export const GRACE_BYTES = 16 * 1024 * 1024;
/** The environment variable that raises (or lowers) the ratio. */
export const RATIO_VARIABLE = 'PODWALL_MAX_GUNZIP_RATIO';

/** The ratio in force: PODWALL_MAX_GUNZIP_RATIO when set (a positive number), else the default. */
export function maxGunzipRatio(env: NodeJS.ProcessEnv = process.env): number {
  const v = env[RATIO_VARIABLE];
  if (v === undefined || v === '') return DEFAULT_MAX_GUNZIP_RATIO;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InputError(`must be a positive number, not ${JSON.stringify(v)}`, { file: `$${RATIO_VARIABLE}` });
  return n;
}

/** The most bytes a gzip file of `compressedBytes` may decompress to. */
export function gunzipBudget(compressedBytes: number, ratio: number): number {
  return Math.max(GRACE_BYTES, Math.floor(compressedBytes * ratio));
}

/** The decompressed bytes of a stream, with a way to stop reading early. */
export interface ByteSource extends AsyncIterable<Buffer> {
  destroy(): void;
}

/**
 * The decompressed bytes of the gzip file at `path` (of `compressedBytes` on disk), in chunks of at
 * most `chunkSize`: an InputError naming the file and the bound once they exceed the budget; read
 * and decompression errors reach the reader (as they are, for cannotRead to word).
 */
export function gunzipWithinBudget(path: string, compressedBytes: number, options: { highWaterMark?: number; chunkSize?: number } = {}): ByteSource {
  const ratio = maxGunzipRatio();
  const limit = gunzipBudget(compressedBytes, ratio);
  const file = createReadStream(path, options.highWaterMark ? { highWaterMark: options.highWaterMark } : {});
  const gunzip = createGunzip(options.chunkSize ? { chunkSize: options.chunkSize } : {});
  // pipeline, unlike pipe, hands a read error of the file to the reader of gunzip
  pipeline(file, gunzip, () => undefined);
  return {
    async *[Symbol.asyncIterator]() {
      let out = 0;
      for await (const chunk of gunzip as AsyncIterable<Buffer>) {
        out += chunk.length;
        if (out > limit) {
          gunzip.destroy();
          throw new InputError(
            `decompresses to more than ${ratio} times its size (${mib(limit)} from ${mib(compressedBytes)}): refused as a likely gzip bomb; if it is a real log, decompress it first or raise ${RATIO_VARIABLE}`,
            { file: path },
          );
        }
        yield chunk;
      }
    },
    destroy: () => {
      gunzip.destroy();
      file.destroy();
    },
  };
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${bytes} bytes`;
}
