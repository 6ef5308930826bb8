// CLIP's byte-level BPE tokenizer (openai/CLIP simple_tokenizer.py, HF CLIPTokenizer), as used by
// OWL-ViT / OWLv2 text towers: files vocab.json (token -> id) and merges.txt ("#version" header,
// then one merge "a b" per line, ranked by order).
//
// Text clean-up: Unicode NFC, HTML entities unescaped (twice, as CLIP's basic_clean; a built-in
// table of the common named entities plus numeric ones, not Python's full html5 table), runs of
// whitespace collapsed to one space, trimmed, lower-cased. ftfy's mojibake repair (fix_text) is
// skipped: its NFC normalisation is all that is kept of it.
import { readFile } from 'node:fs/promises';

export type TokenizerErrorCode = 'TOO_LONG' | 'BAD_FILES';

export class TokenizerError extends Error {
  override readonly name = 'TokenizerError';
  constructor(
    readonly code: TokenizerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const START_OF_TEXT = '<|startoftext|>';
export const END_OF_TEXT = '<|endoftext|>';
const END_OF_WORD = '</w>';

/** CLIP's pre-tokenization pattern (case-insensitive, Unicode). */
export const CLIP_PATTERN =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

/**
 * GPT-2 / CLIP bytes_to_unicode: byte -> a printable character. The printable Latin-1 bytes map
 * to themselves; the others to U+0100 upwards, in byte order. `order` lists the bytes in the
 * order of the base vocabulary (the printable ones first), as CLIP builds its vocab.
 */
export function bytesToUnicode(): { byteToChar: string[]; order: number[] } {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  const byteToChar = new Array<string>(256);
  bs.forEach((b, i) => (byteToChar[b] = String.fromCodePoint(cs[i])));
  return { byteToChar, order: bs };
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  ndash: '\u2013',
  mdash: '\u2014',
  lsquo: '\u2018',
  rsquo: '\u2019',
  ldquo: '\u201c',
  rdquo: '\u201d',
  hellip: '\u2026',
  copy: '\u00a9',
  reg: '\u00ae',
  deg: '\u00b0',
  times: '\u00d7',
};

function unescapeHtml(s: string): string {
  return s.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z]+);/g, (m, body: string) => {
    if (body[0] === '#') {
      const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : '\ufffd';
    }
    return NAMED_ENTITIES[body] ?? m;
  });
}

/** CLIP's text clean-up (see the file comment), then lower-case. */
export function cleanText(text: string): string {
  let t = text.normalize('NFC');
  t = unescapeHtml(unescapeHtml(t)).trim();
  return t.replace(/\s+/gu, ' ').trim().toLowerCase();
}

export interface EncodedBatch {
  /** [texts.length, maxLength], row-major. */
  inputIds: BigInt64Array;
  /** [texts.length, maxLength]: 1 on real tokens (specials included), 0 on padding. */
  attentionMask: BigInt64Array;
  /** Real tokens per text, <|startoftext|> and <|endoftext|> included. */
  lengths: number[];
}

export interface ClipTokenizerOptions {
  /** Id written into padding positions (OWL-ViT: 0, i.e. "!"). */
  padId?: number;
  /** Entries kept in the BPE cache before it is cleared. */
  cacheSize?: number;
}

export class ClipTokenizer {
  readonly startId: number;
  readonly endId: number;
  readonly padId: number;
  private readonly ranks = new Map<string, number>();
  private readonly byteToChar: string[];
  private readonly cache = new Map<string, string[]>();
  private readonly cacheSize: number;
  private readonly encoder = new TextEncoder();

  private constructor(
    private readonly vocab: Map<string, number>,
    merges: [string, string][],
    options: ClipTokenizerOptions,
  ) {
    const sot = vocab.get(START_OF_TEXT);
    const eot = vocab.get(END_OF_TEXT);
    if (sot === undefined || eot === undefined) {
      throw new TokenizerError('BAD_FILES', `vocab has no ${sot === undefined ? START_OF_TEXT : END_OF_TEXT}`);
    }
    this.startId = sot;
    this.endId = eot;
    this.padId = options.padId ?? 0;
    this.cacheSize = options.cacheSize ?? 10_000;
    merges.forEach(([a, b], rank) => {
      const key = `${a} ${b}`;
      if (!this.ranks.has(key)) this.ranks.set(key, rank);
    });
    this.byteToChar = bytesToUnicode().byteToChar;
  }

  static async load(vocabPath: string, mergesPath: string, options: ClipTokenizerOptions = {}): Promise<ClipTokenizer> {
    const [vocabText, mergesText] = await Promise.all([readFile(vocabPath, 'utf8'), readFile(mergesPath, 'utf8')]);
    let vocab: unknown;
    try {
      vocab = JSON.parse(vocabText);
    } catch (err) {
      throw new TokenizerError('BAD_FILES', `${vocabPath}: not JSON (${(err as Error).message})`);
    }
    return ClipTokenizer.fromData(vocab as Record<string, number>, mergesText, options);
  }

  /** From the parsed vocab.json and the text of merges.txt. */
  static fromData(vocab: Record<string, number>, mergesText: string, options: ClipTokenizerOptions = {}): ClipTokenizer {
    if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab)) {
      throw new TokenizerError('BAD_FILES', 'vocab must be a JSON object of token -> id');
    }
    const map = new Map<string, number>();
    for (const [token, id] of Object.entries(vocab)) {
      if (!Number.isInteger(id) || id < 0) throw new TokenizerError('BAD_FILES', `vocab: token ${JSON.stringify(token)} has id ${String(id)}`);
      map.set(token, id);
    }
    const lines = mergesText.split(/\r?\n/);
    if (lines.length && lines[0].startsWith('#version')) lines.shift();
    const merges: [string, string][] = [];
    for (const [i, line] of lines.entries()) {
      if (!line.trim()) continue;
      const parts = line.split(' ');
      if (parts.length !== 2 || !parts[0] || !parts[1]) {
        throw new TokenizerError('BAD_FILES', `merges line ${i + 2}: expected "a b", got ${JSON.stringify(line)}`);
      }
      merges.push([parts[0], parts[1]]);
    }
    return new ClipTokenizer(map, merges, options);
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  /** The id of a vocabulary token, if it has one. */
  tokenId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  /** Ids of the text's tokens, without <|startoftext|> / <|endoftext|> around them. */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const m of cleanText(text).matchAll(CLIP_PATTERN)) {
      const piece = m[0];
      let chars = '';
      for (const b of this.encoder.encode(piece)) chars += this.byteToChar[b];
      for (const token of this.bpe(chars)) this.pushId(ids, token);
    }
    return ids;
  }

  /**
   * <|startoftext|> ids <|endoftext|> per text, padded to maxLength with the pad id.
   * Throws TokenizerError TOO_LONG when a text does not fit.
   */
  encodeBatch(texts: string[], maxLength: number, padId = this.padId): EncodedBatch {
    const inputIds = new BigInt64Array(texts.length * maxLength).fill(BigInt(padId));
    const attentionMask = new BigInt64Array(texts.length * maxLength);
    const lengths: number[] = [];
    texts.forEach((text, row) => {
      const ids = [this.startId, ...this.encode(text), this.endId];
      if (ids.length > maxLength) {
        throw new TokenizerError(
          'TOO_LONG',
          `phrase ${JSON.stringify(text)} is ${ids.length} tokens with <|startoftext|> and <|endoftext|>; the model takes at most ${maxLength}`,
        );
      }
      const base = row * maxLength;
      ids.forEach((id, i) => {
        inputIds[base + i] = BigInt(id);
        attentionMask[base + i] = 1n;
      });
      lengths.push(ids.length);
    });
    return { inputIds, attentionMask, lengths };
  }

  /** A BPE token's id; a piece missing from the vocab falls back to its characters, then to unk (<|endoftext|>). */
  private pushId(ids: number[], token: string): void {
    const id = this.vocab.get(token);
    if (id !== undefined) {
      ids.push(id);
      return;
    }
    const eow = token.endsWith(END_OF_WORD);
    const chars = Array.from(eow ? token.slice(0, -END_OF_WORD.length) : token);
    chars.forEach((c, i) => {
      const sub = eow && i === chars.length - 1 ? c + END_OF_WORD : c;
      ids.push(this.vocab.get(sub) ?? this.endId);
    });
  }

  /** CLIP's bpe(): the pre-token's characters, "</w>" on the last, merged by rank. */
  private bpe(token: string): string[] {
    if (token === START_OF_TEXT || token === END_OF_TEXT) return [token];
    const cached = this.cache.get(token);
    if (cached) return cached;
    let word = Array.from(token);
    word[word.length - 1] += END_OF_WORD;
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const r = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const first = word[best];
      const second = word[best + 1];
      // Merge every occurrence of the pair, left to right (as CLIP).
      const merged: string[] = [];
      for (let i = 0; i < word.length; ) {
        if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(word[i]);
          i += 1;
        }
      }
      word = merged;
    }
    if (this.cache.size >= this.cacheSize) this.cache.clear();
    this.cache.set(token, word);
    return word;
  }
}
