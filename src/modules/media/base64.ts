// Strict base64 decoding: Buffer.from(s, 'base64') silently skips garbage, so check first.
import { badInput } from '../../errors/app-errors.js';

const DATA_URL = /^data:[\w.+-]+\/[\w.+-]+(;[\w-]+=[\w.-]+)*;base64,/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function decodeBase64(input: string, field: string, maxBytes: number): Buffer {
  const body = input.replace(DATA_URL, '').replace(/\s+/g, '');
  if (body.length === 0) throw badInput(`${field} is empty`, { field });
  if (Math.floor((body.length * 3) / 4) > maxBytes) {
    throw badInput(`${field} decodes to more than ${maxBytes} bytes`, { field, reason: 'TOO_LARGE', hint: 'Raise MEDIA_MAX_BYTES or send a smaller file.' });
  }
  const url = !BASE64.test(body) && BASE64URL.test(body);
  if ((!url && (!BASE64.test(body) || body.length % 4 !== 0)) || (url && body.length % 4 === 1)) {
    throw badInput(`${field} is not valid base64`, { field });
  }
  return Buffer.from(body, url ? 'base64url' : 'base64');
}
