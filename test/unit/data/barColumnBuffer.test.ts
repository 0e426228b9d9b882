import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BarColumnBuffer } from '../../../engine/data/BarColumnBuffer';
import { columnsFromBars } from '../../../engine/backtest/columns';
import type { Bar } from '../../../engine/domain/types';

const bar = (i: number): Bar => ({ t: i * 60_000, o: i + 0.25, h: i + 1, l: i - 1, c: i + 0.5, v: i * 10 });

describe('BarColumnBuffer', () => {
  it('matches a plain array over random pushes, reads and drops, through moves and growth', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.record({ push: fc.integer({ min: 1, max: 300 }) }), fc.record({ drop: fc.integer({ min: 0, max: 400 }) })), { maxLength: 60 }), (ops) => {
        const buf = new BarColumnBuffer();
        let model: Bar[] = [];
        let next = 0;
        for (const op of ops) {
          if ('push' in op) {
            for (let k = 0; k < op.push; k++) {
              const b = bar(next++);
              buf.push(b);
              model.push(b);
            }
          } else {
            const seen = buf.oldest(op.drop);
            expect(seen).toEqual(columnsFromBars(model.slice(0, op.drop)));
            buf.drop(op.drop);
            model = model.slice(op.drop);
          }
          expect(buf.length).toBe(model.length);
          expect(buf.at(0)).toEqual(model[0]);
          expect(buf.at(model.length - 1)).toEqual(model[model.length - 1]);
        }
        expect(buf.oldest(Infinity)).toEqual(columnsFromBars(model));
      }),
      { numRuns: 200 },
    );
  });

  it('reuses its memory once emptied: a steady push-and-drain never grows it', () => {
    const buf = new BarColumnBuffer(128);
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++) buf.push(bar(round * 100 + i));
      const cols = buf.oldest(100);
      expect(cols.t[0]).toBe(round * 100 * 60_000);
      // the views start at the front of the same 128-bar arrays every round
      expect(cols.t.byteOffset).toBe(0);
      expect(cols.t.buffer.byteLength).toBe(128 * 8);
      buf.drop(100);
    }
  });

  it('answers undefined outside its bars and ignores negative or fractional counts sensibly', () => {
    const buf = new BarColumnBuffer();
    buf.push(bar(1));
    buf.push(bar(2));
    expect(buf.at(-1)).toBeUndefined();
    expect(buf.at(2)).toBeUndefined();
    expect(buf.at(0.5)).toBeUndefined();
    expect(buf.oldest(-3).length).toBe(0);
    buf.drop(-3);
    expect(buf.length).toBe(2);
    expect(buf.oldest(1.9).length).toBe(1);
    buf.drop(1.9);
    expect(buf.at(0)).toEqual(bar(2));
  });
});
