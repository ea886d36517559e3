// Reads a CSV file as Excel in Japan writes it: UTF-8 with or without BOM, or Shift_JIS (CP932),
// CRLF or LF, quoted fields with doubled quotes and line breaks. Streams: memory stays flat.
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

export type CsvEncoding = 'utf-8' | 'shift_jis';

export type CsvItem =
  | { kind: 'record'; line: number; fields: string[] }
  /** The file cannot be read further (bad bytes, cut off inside a quoted field); nothing follows. */
  | { kind: 'fatal'; line: number; message: string };

/**
 * Read and parsed 64 KB at a time: with kigen's 4 MB young generation (src/cli/node-flags.ts), the
 * records of a 1 MB piece outlived their collection and were copied; 64 KB pieces took a third of the
 * CPU time (634,569 records: ~1.0 s → ~0.3 s).
 */
const CHUNK_BYTES = 64 * 1024;
/** The encoding is decided on the first megabyte. */
const SAMPLE_BYTES = 1024 * 1024;

async function sampleOf(file: string): Promise<Uint8Array> {
  const handle = await open(file);
  try {
    const buffer = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SAMPLE_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * UTF-8 when the bytes start with a BOM or are valid UTF-8 (a multi-byte character may be cut at the
 * end of the sample); otherwise Shift_JIS, which is what Excel's "CSV" saves on Japanese Windows.
 */
export function detectEncoding(sample: Uint8Array): { encoding: CsvEncoding; bom: boolean } {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return { encoding: 'utf-8', bom: true };
  for (let cut = 0; cut <= 3 && cut < sample.length; cut++) {
    if (isUtf8(sample.subarray(0, sample.length - cut))) return { encoding: 'utf-8', bom: false };
  }
  return { encoding: 'shift_jis', bom: false };
}

/**
 * The records of a CSV file, each with the line it starts on, in batches (one per 64 KB read:
 * an async step per record would cost more than parsing it); `on.bytes` is told how many bytes were read.
 */
export async function* readCsv(
  file: string,
  on: { bytes?: (bytes: number) => void; encoding?: (encoding: CsvEncoding, bom: boolean) => void } = {},
): AsyncGenerator<CsvItem[]> {
  let decoder: TextDecoder | null = null;
  let encoding: CsvEncoding = 'utf-8';
  const parser = createCsvParser();
  let line = 1;
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
    const bytes = chunk as Buffer;
    on.bytes?.(bytes.length);
    if (!decoder) {
      const detected = detectEncoding(await sampleOf(file));
      encoding = detected.encoding;
      on.encoding?.(encoding, detected.bom);
      decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: false });
    }
    let text: string;
    try {
      text = decoder.decode(bytes, { stream: true });
    } catch {
      yield [{ kind: 'fatal', line: parser.line() || line, message: badBytes(encoding) }];
      return;
    }
    yield parser.push(text);
    line = parser.line();
  }
  let rest: string;
  try {
    rest = decoder ? decoder.decode() : '';
  } catch {
    yield [
      {
        kind: 'fatal',
        line: parser.line(),
        message: 'the file ends in the middle of a character: it looks cut off (truncated); export it again',
      },
    ];
    return;
  }
  yield [...parser.push(rest), ...parser.end()];
}

function badBytes(encoding: CsvEncoding): string {
  return encoding === 'utf-8'
    ? 'bytes that are not UTF-8 after the first megabyte (mixed encodings?); save the whole file as "CSV UTF-8" or "CSV (comma delimited)" from Excel'
    : 'bytes that are neither UTF-8 nor Shift_JIS; save the file as "CSV UTF-8" from Excel';
}

/** An RFC 4180 parser fed with text pieces; records carry the line they start on. */
function createCsvParser() {
  let fields: string[] = [];
  let field = '';
  let quoted = false; // inside a quoted field
  let afterQuote = false; // a quote was just read inside a quoted field
  let line = 1; // current physical line
  let recordLine = 1;
  let fieldStarted = false;
  let pendingCr = false;

  function finishRecord(out: CsvItem[]): void {
    fields.push(field);
    const record = fields;
    fields = [];
    field = '';
    fieldStarted = false;
    // A blank line (one empty field) is skipped: Excel leaves them at the end.
    if (!(record.length === 1 && record[0] === ''))
      out.push({ kind: 'record', line: recordLine, fields: record });
  }

  return {
    line: () => line,
    push(text: string): CsvItem[] {
      const out: CsvItem[] = [];
      for (let i = 0; i < text.length; i++) {
        // Fast path: at the start of a record, a whole line without quotes is split at once.
        if (!quoted && !pendingCr && !fieldStarted && field === '' && fields.length === 0) {
          const end = text.indexOf('\n', i);
          if (end !== -1) {
            const cr = text.charCodeAt(end - 1) === 13 && end > i;
            const lineText = text.slice(i, cr ? end - 1 : end);
            if (!lineText.includes('"') && !lineText.includes('\r')) {
              if (lineText !== '') out.push({ kind: 'record', line, fields: lineText.split(',') });
              line++;
              recordLine = line;
              i = end;
              continue;
            }
          }
        }
        const c = text[i] as string;
        if (pendingCr) {
          pendingCr = false;
          if (c === '\n') continue;
        }
        if (quoted) {
          if (afterQuote) {
            afterQuote = false;
            if (c === '"') {
              field += '"';
              continue;
            }
            quoted = false; // the closing quote; fall through to unquoted handling of c
          } else if (c === '"') {
            afterQuote = true;
            continue;
          } else {
            if (c === '\n') line++;
            field += c;
            continue;
          }
        }
        if (c === ',') {
          fields.push(field);
          field = '';
          fieldStarted = true;
        } else if (c === '\r' || c === '\n') {
          if (c === '\r') pendingCr = true;
          finishRecord(out);
          line++;
          recordLine = line;
        } else if (c === '"' && field === '' && !quoted) {
          quoted = true;
          fieldStarted = true;
        } else {
          field += c;
          fieldStarted = true;
        }
      }
      return out;
    },
    end(): CsvItem[] {
      if (quoted && !afterQuote) {
        return [
          {
            kind: 'fatal',
            line: recordLine,
            message: 'the file ends inside a quoted field: it looks cut off (truncated); export it again',
          },
        ];
      }
      const out: CsvItem[] = [];
      if (fieldStarted || field !== '' || fields.length > 0) finishRecord(out);
      return out;
    },
  };
}
