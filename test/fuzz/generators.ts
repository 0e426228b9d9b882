// Malformed requests for the API fuzz (test/fuzz/api-fuzz.test.ts), as fast-check arbitraries.
// One generated case is a small "spec" tree: plain objects and arrays a few levels deep whose
// leaves may be `Raw` values. A Raw carries both the in-process value (a 10,000-level object,
// NaN, an object with an own `__proto__` key) and the JSON text that stands for it on the wire
// (1e400 parses to Infinity; a deep object is written out by hand because JSON.stringify of it
// would need 10,000 stack frames). `materialize` builds the in-process payload, `wireText` the
// frame text: both transports get the same class of input from one generator.
import fc from 'fast-check';
import { CHANNELS, requestSchemas, type Channel } from '../../engine/api/contract';

// ---------- special leaves ----------

export class Raw {
  constructor(
    /** what a JSON frame says for it */
    readonly text: string,
    /** what an in-process caller passes */
    readonly value: () => unknown,
    readonly label: string,
  ) {}
}

/** Built once and shared: nothing on the request path writes to a payload, and 32,000-level arrays are not free. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | null = null;
  return () => (made ??= { value: make() }).value;
}

export const DEEP_LEVELS = 10_000;

/** { a: { a: ... 1 } } built in a loop: no recursion anywhere. */
export function deepObject(levels: number): unknown {
  let o: unknown = 1;
  for (let i = 0; i < levels; i++) o = { a: o };
  return o;
}

export function deepArray(levels: number): unknown {
  let o: unknown = [];
  for (let i = 0; i < levels; i++) o = [o];
  return o;
}

const deepObjectText = (levels: number): string => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const deepArrayText = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;

/** 1 MB in process; over the wire a huge string is as large as a frame can be (see wireHugeLength) */
export const HUGE_STRING_BYTES = 1024 * 1024;
let hugeCache: string | null = null;
export function hugeString(): string {
  hugeCache ??= 'Z'.repeat(HUGE_STRING_BYTES);
  return hugeCache;
}
/** the wire stand-in for a huge string: 40 KB, so that it still fits a 64 KB frame */
export const WIRE_HUGE_BYTES = 40 * 1024;

const DEEP_OBJECT = new Raw(deepObjectText(DEEP_LEVELS), once(() => deepObject(DEEP_LEVELS)), 'deep object');
const DEEP_ARRAY = new Raw(deepArrayText(DEEP_LEVELS), once(() => deepArray(DEEP_LEVELS)), 'deep array');
/** as deep as fits a 64 KB frame: deeper than JSON.stringify can go (its recursion overflows the stack) */
export const STACK_BUSTING_LEVELS = 32_000;
const STACK_BUSTER = new Raw(deepArrayText(STACK_BUSTING_LEVELS), once(() => deepArray(STACK_BUSTING_LEVELS)), 'stack-busting array');
const HUGE = new Raw(JSON.stringify('Z'.repeat(WIRE_HUGE_BYTES)), hugeString, 'huge string');

const PROTO_POLLUTION_JSON = [
  '{"__proto__":{"polluted":true,"isAdmin":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"__proto__":null}',
  '{"prototype":{"polluted":true},"__proto__":[]}',
];
const PROTO = PROTO_POLLUTION_JSON.map((t) => new Raw(t, () => JSON.parse(t) as unknown, `prototype keys ${t}`));

/** numbers JSON cannot say directly arrive as their nearest: 1e400 is Infinity, -0 is 0 */
const SPECIAL_NUMBERS: Raw[] = [
  new Raw('1e400', () => Number.NaN, 'NaN'),
  new Raw('1e400', () => Infinity, 'Infinity'),
  new Raw('-1e400', () => -Infinity, '-Infinity'),
  new Raw('-0', () => -0, '-0'),
  new Raw('1e308', () => 1e308, '1e308'),
  new Raw('-1e308', () => -1e308, '-1e308'),
  new Raw('9007199254740993', () => 2 ** 53 + 1, '2**53+1'),
  new Raw('-9007199254740993', () => -(2 ** 53 + 1), '-(2**53+1)'),
  new Raw('1.7976931348623157e308', () => Number.MAX_VALUE, 'MAX_VALUE'),
  new Raw('5e-324', () => Number.MIN_VALUE, 'MIN_VALUE'),
];

// ---------- spec trees ----------

export type Spec = Raw | null | boolean | number | string | undefined | Spec[] | { [k: string]: Spec };

/** The in-process value of a spec: Raw leaves become their values, own `__proto__` keys stay own keys. */
export function materialize(spec: Spec): unknown {
  if (spec instanceof Raw) return spec.value();
  if (Array.isArray(spec)) return spec.map(materialize);
  if (spec !== null && typeof spec === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(spec)) {
      // defineProperty, not assignment: assigning "__proto__" would replace the prototype instead
      Object.defineProperty(out, k, { value: materialize(spec[k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return spec;
}

/** The JSON text of a spec, Raw leaves written as their own text. */
export function wireText(spec: unknown): string {
  const raws: Raw[] = [];
  const json = JSON.stringify(spec, (_k, v: unknown) => {
    if (v instanceof Raw) {
      raws.push(v);
      return `\u0000RAW${raws.length - 1}\u0000`;
    }
    return v;
  }) ?? 'null';
  return json.replace(/"\\u0000RAW(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)]?.text ?? 'null');
}

/** A short, bounded description of a value for failure messages (never stringifies it whole). */
export function preview(value: unknown, budget = 160): string {
  const seen: string[] = [];
  const walk = (v: unknown, depth: number): string => {
    if (v instanceof Raw) return `<${v.label}>`;
    if (typeof v === 'string') return v.length > 40 ? `"${v.slice(0, 40)}…"(${v.length})` : JSON.stringify(v);
    if (typeof v !== 'object' || v === null) return Object.is(v, -0) ? '-0' : String(v);
    if (depth > 3) return Array.isArray(v) ? '[…]' : '{…}';
    if (Array.isArray(v)) return `[${v.slice(0, 4).map((x) => walk(x, depth + 1)).join(',')}${v.length > 4 ? ',…' : ''}]`;
    const keys = Object.keys(v).slice(0, 6);
    return `{${keys.map((k) => `${k}:${walk((v as Record<string, unknown>)[k], depth + 1)}`).join(',')}}`;
  };
  seen.push(walk(value, 0));
  const s = seen.join('');
  return s.length > budget ? `${s.slice(0, budget)}…` : s;
}

// ---------- junk values ----------

const numberJunk: fc.Arbitrary<Spec> = fc.oneof(
  fc.constantFrom(...SPECIAL_NUMBERS),
  fc.integer({ min: -1_000_000_000, max: -1 }),
  fc.constantFrom(0, 0.5, 1.5, -1, 1e15, 1e21, 99_999_999),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const stringJunk: fc.Arbitrary<Spec> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', ' ', '\u0000', '\uD800', 'a\uDFFFb', '../../etc/passwd', 'C:\\Windows\\win.ini', '<script>alert(1)</script>', "' OR 1=1 --", '%s%n%x', 'null', 'NaN', 'Infinity', '-0', '1e308'),
  fc.string({ minLength: 501, maxLength: 3000 }),
  fc.constant(HUGE),
);

const structuredJunk: fc.Arbitrary<Spec> = fc.oneof(
  fc.constantFrom(DEEP_OBJECT, DEEP_ARRAY, STACK_BUSTER, ...PROTO),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.constant(null)), { maxLength: 6 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.boolean()), { maxKeys: 4 }),
);

/** Any value at all that has no business being where it is put. */
export const junkValue: fc.Arbitrary<Spec> = fc.oneof(
  { arbitrary: numberJunk, weight: 4 },
  { arbitrary: stringJunk, weight: 4 },
  { arbitrary: structuredJunk, weight: 3 },
  { arbitrary: fc.constantFrom<Spec>(null, true, false, undefined), weight: 1 },
);

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
const extraKey: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string({ minLength: 1, maxLength: 20 }), fc.constant('x'.repeat(5000)));

// ---------- requests ----------

export const REAL_CHANNELS: readonly Channel[] = CHANNELS;

interface Shape {
  keys: string[];
  required: string[];
}

/** A channel's payload fields, read from its schema (every channel's schema is a zod object). */
export function shapeOf(channel: Channel): Shape {
  const schema = requestSchemas[channel] as unknown as { shape?: Record<string, { safeParse(v: unknown): { success: boolean } }> };
  const shape = schema.shape;
  if (shape === undefined) throw new Error(`the ${channel} schema is not a zod object: teach test/fuzz/generators.ts its fields`);
  const keys = Object.keys(shape);
  // a field is required when leaving it out fails (optional and defaulted fields accept undefined)
  return { keys, required: keys.filter((k) => !shape[k]?.safeParse(undefined).success) };
}

export interface FuzzRequest {
  /** what the generator meant to break, for the per-class counts */
  cls: string;
  channel: Spec;
  payload: Spec;
}

function payloadCases(channel: Channel): fc.Arbitrary<FuzzRequest> {
  const { keys, required } = shapeOf(channel);
  const fieldsOf = (names: string[]): fc.Arbitrary<Record<string, Spec>> =>
    fc.tuple(...names.map(() => junkValue)).map((values) => Object.fromEntries(names.map((k, i) => [k, values[i]])));
  const cases: fc.Arbitrary<FuzzRequest>[] = [
    // payload is not an object at all
    junkValue.map((payload) => ({ cls: 'payload not an object', channel, payload })),
    // an extra field next to junk in the real ones
    fc.tuple(fc.subarray(keys), extraKey, junkValue).chain(([names, key, value]) =>
      fieldsOf(names).map((fields) => ({ cls: 'extra field', channel, payload: { ...fields, [key]: value } })),
    ),
    fc.constantFrom(...PROTO).map((payload) => ({ cls: 'prototype keys', channel, payload })),
    fc.constantFrom(DEEP_OBJECT, DEEP_ARRAY, STACK_BUSTER).map((payload) => ({ cls: 'deep nesting', channel, payload })),
  ];
  if (keys.length > 0) {
    // every field present, each with a value of the wrong kind
    cases.push(fieldsOf(keys).map((payload) => ({ cls: 'wrong types', channel, payload })));
    cases.push(
      fc.tuple(fc.constantFrom(...keys), fc.constantFrom<Spec>(DEEP_OBJECT, DEEP_ARRAY, HUGE, ...SPECIAL_NUMBERS)).map(([k, v]) => ({
        cls: 'one field huge, deep or non-finite',
        channel,
        payload: { [k]: v },
      })),
    );
  }
  if (required.length > 0) {
    // a required field left out, the others junk
    cases.push(
      fc.constantFrom(...required).chain((missing) =>
        fieldsOf(keys.filter((k) => k !== missing)).map((payload) => ({ cls: 'missing required field', channel, payload })),
      ),
    );
  }
  return fc.oneof(...cases);
}

const nearMissChannel: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...REAL_CHANNELS), fc.integer({ min: 0, max: 6 }))
  .map(([c, how]) => [c.toUpperCase(), ` ${c}`, `${c} `, `${c}\u0000`, c.replace(':', '.'), `${c}x`, c.replace(/o/g, '\u043e')][how] ?? `${c}?`);

const unknownChannel: fc.Arbitrary<Spec> = fc.oneof(
  fc.string({ maxLength: 40 }),
  nearMissChannel,
  fc.constantFrom(...PROTO_KEYS, '', 'engine:shutdown', 'db:exec', '../app:snapshot'),
  fc.constantFrom<Spec>(null, undefined, 0, 1, true, [], {}, ['app:snapshot'], { channel: 'app:snapshot' }, HUGE, DEEP_OBJECT, ...SPECIAL_NUMBERS),
);

/** A request no host should ever act on: a real channel with a broken payload, or no real channel at all. */
export const malformedRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { arbitrary: fc.constantFrom(...REAL_CHANNELS).chain(payloadCases), weight: 5 },
  {
    arbitrary: fc.tuple(unknownChannel, fc.oneof(fc.constant<Spec>({}), junkValue)).map(([channel, payload]) => ({ cls: 'unknown channel', channel, payload })),
    weight: 1,
  },
);

// ---------- WebSocket frames ----------

export type WireFrame =
  | { cls: string; type: 'text'; text: string; /** the id a result must carry; null: an error frame answers */ expectId: number | null }
  | { cls: string; type: 'binary'; bytes: Uint8Array; expectId: null };

/** Frame ids that are not safe integers: the server cannot echo them, so an error frame answers. */
const BAD_IDS: Spec[] = [undefined, null, '1', 1.5, -0.25, new Raw('1e308', () => 1e308, '1e308'), new Raw('9007199254740993', () => 2 ** 53 + 1, '2**53+1'), [], {}, true];

/** Frames for one open connection; `nextId` hands out unique ids for the frames that carry a good one. */
export function wireFrame(nextId: () => number): fc.Arbitrary<WireFrame> {
  const requestFrame = malformedRequest.map((r): WireFrame => {
    const id = nextId();
    return { cls: `request: ${r.cls}`, type: 'text', text: wireText({ kind: 'request', id, channel: r.channel, payload: r.payload }), expectId: id };
  });
  const badEnvelope = fc.oneof(
    junkValue.map((v): WireFrame => ({ cls: 'envelope not an object', type: 'text', text: wireText(v), expectId: null })),
    fc.tuple(fc.constantFrom<Spec>(undefined, 'result', 'event', 'REQUEST', 1, null, HUGE, DEEP_OBJECT, STACK_BUSTER), malformedRequest).map(([kind, r]): WireFrame => {
      const id = nextId();
      return { cls: 'wrong kind', type: 'text', text: wireText({ kind, id, channel: r.channel, payload: r.payload }), expectId: id };
    }),
    // a huge or deep kind alone, so that the frame still fits
    fc.constantFrom<Spec>(HUGE, DEEP_OBJECT, DEEP_ARRAY, STACK_BUSTER).map((kind): WireFrame => {
      const id = nextId();
      return { cls: 'wrong kind (huge or deep)', type: 'text', text: wireText({ kind, id }), expectId: id };
    }),
    fc.tuple(fc.constantFrom(...BAD_IDS), malformedRequest).map(([id, r]): WireFrame => ({
      cls: 'bad id',
      type: 'text',
      text: wireText({ kind: 'request', id, channel: r.channel, payload: r.payload }),
      expectId: null,
    })),
  );
  const invalidJson = fc
    .oneof(
      fc.string({ maxLength: 60 }),
      fc.constantFrom(
        '',
        '{',
        '{"kind":"request",',
        '{"kind":"request","id":1,"channel":"app:snapshot","payload":{"limit":NaN}}',
        "{'kind':'request'}",
        '{"kind":"request","id":1,}',
        '\uFEFF{"kind":"request","id":1,"channel":"app:snapshot","payload":{}}',
        '{"kind":"request","id":1,"channel":"app:snapshot","payload":{}}}',
        'undefined',
        `${'['.repeat(30_000)}`,
      ),
      malformedRequest.map((r) => wireText({ kind: 'request', id: 1, channel: r.channel, payload: r.payload }).slice(0, -1)),
    )
    .filter((t) => {
      try {
        JSON.parse(t);
        return false;
      } catch {
        return true;
      }
    })
    .map((text): WireFrame => ({ cls: 'invalid JSON', type: 'text', text, expectId: null }));
  const binary = fc
    .oneof(fc.uint8Array({ maxLength: 64 }), fc.constant(new TextEncoder().encode('{"kind":"request","id":1,"channel":"app:snapshot","payload":{}}')))
    .map((bytes): WireFrame => ({ cls: 'binary frame', type: 'binary', bytes, expectId: null }));
  return fc.oneof(
    { arbitrary: requestFrame, weight: 12 },
    { arbitrary: badEnvelope, weight: 3 },
    { arbitrary: invalidJson, weight: 2 },
    { arbitrary: binary, weight: 1 },
  );
}

/**
 * Frames always sent, whatever the sampling: per channel a 10,000-level payload, a 32,000-level one
 * and a 40 KB string field, plus the kinds that once took the host down (a 32,000-level "kind"
 * overflowed JSON.stringify in the error message; a 40 KB one was echoed back whole).
 */
export function pinnedWireFrames(nextId: () => number): WireFrame[] {
  const frames: WireFrame[] = [];
  const request = (cls: string, channel: Spec, payload: Spec): void => {
    const id = nextId();
    frames.push({ cls, type: 'text', text: wireText({ kind: 'request', id, channel, payload }), expectId: id });
  };
  for (const channel of REAL_CHANNELS) {
    request('pinned: deep payload', channel, DEEP_OBJECT);
    request('pinned: deep payload', channel, STACK_BUSTER);
    const [first] = shapeOf(channel).keys;
    request('pinned: huge field', channel, { [first ?? 'x']: HUGE });
  }
  request('pinned: deep channel', DEEP_OBJECT, {});
  for (const kind of [STACK_BUSTER, DEEP_OBJECT, DEEP_ARRAY, HUGE]) {
    const id = nextId();
    frames.push({ cls: 'pinned: huge or deep kind', type: 'text', text: wireText({ kind, id }), expectId: id });
  }
  return frames;
}

/** Bytes that are not UTF-8: a text frame carrying them must be refused by the WebSocket layer. */
export const INVALID_UTF8_SAMPLES: readonly Uint8Array[] = [
  Uint8Array.from([0xff]),
  Uint8Array.from([0xc3, 0x28]),
  Uint8Array.from([0xe2, 0x28, 0xa1]),
  Uint8Array.from([0xf0, 0x90, 0x28, 0xbc]),
  Uint8Array.from([0xed, 0xa0, 0x80]), // an encoded surrogate
  Uint8Array.from([0xc0, 0xaf]), // an overlong "/"
  Uint8Array.from([0x7b, 0x22, 0x6b, 0x22, 0x3a, 0xfe, 0x7d]),
];

/** Tokens that must not open the API: near misses of the real one and plain junk. */
export function wrongTokens(real: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: 80 }).filter((t) => t !== real),
    fc.constantFrom(real.slice(0, -1), `${real}x`, real.toUpperCase() === real ? real.toLowerCase() : real.toUpperCase(), ` ${real}`, `${real}\u0000`, '', 'null', 'undefined'),
    fc.string({ minLength: real.length, maxLength: real.length }).filter((t) => t !== real),
  );
}

export const FOREIGN_ORIGINS: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('http://evil.example', 'https://evil.example', 'null', 'file://', 'app://renderer', 'http://127.0.0.1.evil.example', 'http://localhost', 'chrome-extension://abcdef'),
  fc.webUrl().map((u) => new URL(u).origin),
);
