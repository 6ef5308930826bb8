// How topic payloads cross Redis: JSON, with Dates kept as Dates. Typed arrays do not cross (the
// low-res logits of a mask stay in the process that made them; subscribers read RLE): they arrive
// empty, of their type. Topics should carry plain data (DESIGN.md §6); this keeps today's
// payloads correct over Redis until they do.
const TYPED = { Float32Array, Float64Array, Int32Array, Uint8Array, Uint16Array, Int16Array, Int8Array, Uint32Array } as const;
type TypedName = keyof typeof TYPED;

export const payloadCodec = {
  stringify(value: unknown): string {
    return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
      const raw = this[key]; // before Date.prototype.toJSON ran
      if (raw instanceof Date) return { $date: raw.toISOString() };
      if (ArrayBuffer.isView(raw)) return { $typed: raw.constructor.name };
      return v;
    });
  },
  parse(text: string): unknown {
    return JSON.parse(text, (_key, v: unknown) => {
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const o = v as { $date?: string; $typed?: string };
        if (typeof o.$date === 'string' && Object.keys(o).length === 1) return new Date(o.$date);
        if (typeof o.$typed === 'string' && Object.keys(o).length === 1 && o.$typed in TYPED) return new TYPED[o.$typed as TypedName](0);
      }
      return v;
    });
  },
};
