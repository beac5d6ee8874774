import { describe, expect, it } from 'vitest';
import { boolArrayParam, int8ArrayParam, oidArrayParam } from './binary-array.js';

describe('binary array parameters', () => {
  it('writes the array_recv layout: header, one dimension, length-prefixed elements, NULL as -1', () => {
    const b = int8ArrayParam([1n, null, -9223372036854775808n]);
    expect(b.readInt32BE(0)).toBe(1); // ndim
    expect(b.readInt32BE(4)).toBe(1); // has nulls
    expect(b.readUInt32BE(8)).toBe(20); // int8
    expect(b.readInt32BE(12)).toBe(3); // length
    expect(b.readInt32BE(16)).toBe(1); // lower bound
    expect(b.readInt32BE(20)).toBe(8);
    expect(b.readBigInt64BE(24)).toBe(1n);
    expect(b.readInt32BE(32)).toBe(-1);
    expect(b.readInt32BE(36)).toBe(8);
    expect(b.readBigInt64BE(40)).toBe(-9223372036854775808n);
    expect(b).toHaveLength(48);
  });

  it('oid and bool elements, and the empty array', () => {
    const o = oidArrayParam([4294967295]);
    expect([o.readUInt32BE(8), o.readInt32BE(4), o.readInt32BE(20), o.readUInt32BE(24)]).toEqual([
      26, 0, 4, 4294967295,
    ]);
    const t = boolArrayParam([true, false]);
    expect([t.readUInt32BE(8), t.readUInt8(24), t.readUInt8(29)]).toEqual([16, 1, 0]);
    const e = int8ArrayParam([]);
    expect([e.length, e.readInt32BE(0), e.readUInt32BE(8)]).toEqual([12, 0, 20]);
  });

  it('refuses values the element type cannot hold', () => {
    expect(() => int8ArrayParam([2n ** 63n])).toThrow(/out of range/);
    expect(() => oidArrayParam([-1])).toThrow(/not an oid/);
    expect(() => oidArrayParam([1.5])).toThrow(/not an oid/);
  });
});
