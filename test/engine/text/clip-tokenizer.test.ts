import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToUnicode, ClipTokenizer, cleanText, TokenizerError } from '../../../src/engine/text/clip-tokenizer.js';

// A small CLIP-style vocabulary, laid out as CLIP's: the 256 byte characters (printable ASCII
// first: "!" = 0, "a" = 64), the same with "</w>" (256..511), one token per merge in merge order
// (512..), then <|startoftext|>, <|endoftext|>.
const MERGES = [
  'r e', // 512 re
  're d</w>', // 513 red</w>
  'b l', // 514 bl
  'bl u', // 515 blu
  'blu e</w>', // 516 blue</w>
  "' s</w>", // 517 's</w>
  'd i', // 518 di
  'di s', // 519 dis
  'dis c</w>', // 520 disc</w>
  'z e', // 521 ze: left out of the vocab on purpose
  'dis c', // 522 disc
  'disc s</w>', // 523 discs</w>
];
const SOT = 512 + MERGES.length;
const EOT = SOT + 1;

/** CLIP's id of a printable ASCII character (with `eow`: its "</w>" variant). */
const ascii = (c: string, eow = false) => c.charCodeAt(0) - 0x21 + (eow ? 256 : 0);

function buildVocab(): Record<string, number> {
  const { byteToChar, order } = bytesToUnicode();
  const base = order.map((b) => byteToChar[b]);
  const tokens = [...base, ...base.map((c) => c + '</w>'), ...MERGES.map((m) => m.replace(' ', '')), '<|startoftext|>', '<|endoftext|>'];
  const vocab: Record<string, number> = {};
  tokens.forEach((t, id) => {
    if (t !== 'ze') vocab[t] = id;
  });
  return vocab;
}

describe('ClipTokenizer', () => {
  let dir: string;
  let tok: ClipTokenizer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'maskql-clip-'));
    writeFileSync(join(dir, 'vocab.json'), JSON.stringify(buildVocab()));
    writeFileSync(join(dir, 'merges.txt'), `#version: 0.2\n${MERGES.join('\n')}\n`);
    tok = await ClipTokenizer.load(join(dir, 'vocab.json'), join(dir, 'merges.txt'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('bytes_to_unicode: printable bytes map to themselves, the rest from U+0100 in byte order', () => {
    const { byteToChar, order } = bytesToUnicode();
    expect(byteToChar[0x21]).toBe('!');
    expect(byteToChar[0]).toBe('\u0100');
    expect(byteToChar[0x20]).toBe('\u0120'); // space -> "Ġ"
    expect(byteToChar[0xad]).toBe('\u0143'); // soft hyphen: the last non-printable
    expect(order.slice(0, 3)).toEqual([0x21, 0x22, 0x23]);
    expect(new Set(byteToChar).size).toBe(256);
    expect(tok.startId).toBe(SOT);
    expect(tok.endId).toBe(EOT);
  });

  it('merges a word through several merges into one token', () => {
    expect(tok.encode('red')).toEqual([513]);
    expect(tok.encode('blue')).toEqual([516]);
    expect(tok.encode('disc')).toEqual([520]);
    expect(tok.encode('discs')).toEqual([523]); // d i -> di, di s -> dis, dis c -> disc, disc s</w>
    expect(tok.encode('  Blue   DISC ')).toEqual([516, 520]);
  });

  it('pieces without a full merge stay as smaller tokens, down to byte-level ones', () => {
    // r e -> re, but "re d" (not at the word end) is no merge: re, d, s</w>.
    expect(tok.encode('reds')).toEqual([512, ascii('d'), ascii('s', true)]);
    // No merges at all: one byte-level token per character, "</w>" on the last.
    expect(tok.encode('zoo')).toEqual([ascii('z'), ascii('o'), ascii('o', true)]);
    // "z e" merges into "ze", which the vocab lacks: back to its characters.
    expect(tok.encode('zed')).toEqual([ascii('z'), ascii('e'), ascii('d', true)]);
    // Non-ASCII: UTF-8 bytes through bytes_to_unicode ("é" = C3 A9 -> "Ã", "©").
    const { order } = bytesToUnicode();
    expect(tok.encode('é')).toEqual([order.indexOf(0xc3), 256 + order.indexOf(0xa9)]);
  });

  it("punctuation, 's and numbers one digit at a time", () => {
    expect(tok.encode('red, blue!!')).toEqual([513, ascii(',', true), 516, ascii('!'), ascii('!', true)]);
    expect(tok.encode("disc's")).toEqual([520, 517]);
    expect(tok.encode("DISC'S")).toEqual([520, 517]); // lower-cased first
    expect(tok.encode('42 red')).toEqual([ascii('4', true), ascii('2', true), 513]);
    expect(tok.encode('red &amp; blue')).toEqual([513, ascii('&', true), 516]); // HTML entities unescaped
    expect(tok.encode('<|endoftext|>')).toEqual([EOT]);
    expect(cleanText(' A\t\nB ')).toBe('a b');
  });

  it('encodeBatch: <|startoftext|> ids <|endoftext|>, padded with the pad id, attention on real tokens', () => {
    const b = tok.encodeBatch(['red', 'blue disc', ''], 5);
    expect(Array.from(b.inputIds, Number)).toEqual([SOT, 513, EOT, 0, 0, SOT, 516, 520, EOT, 0, SOT, EOT, 0, 0, 0]);
    expect(Array.from(b.attentionMask, Number)).toEqual([1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0]);
    expect(b.lengths).toEqual([3, 4, 2]);
    const p = tok.encodeBatch(['red'], 4, 7);
    expect(Array.from(p.inputIds, Number)).toEqual([SOT, 513, EOT, 7]);
  });

  it('throws TOO_LONG when a phrase does not fit', () => {
    expect(tok.encodeBatch(['red blue'], 4).lengths).toEqual([4]);
    let err: unknown;
    try {
      tok.encodeBatch(['red', 'red blue disc'], 4);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TokenizerError);
    expect((err as TokenizerError).code).toBe('TOO_LONG');
    expect((err as TokenizerError).message).toContain('red blue disc');
  });

  it('rejects malformed files with BAD_FILES', () => {
    expect(() => ClipTokenizer.fromData({ a: 0 }, '#version: 0.2\n')).toThrow(TokenizerError);
    expect(() => ClipTokenizer.fromData(buildVocab(), '#version: 0.2\nabc\n')).toThrow(/merges line 2/);
  });
});
