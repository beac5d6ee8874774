import { describe, expect, it } from 'vitest';
import { sumDiskstats } from './diskstats.js';

const SAMPLE = `
 253       0 vda 120 5 3000 40 300 7 9000 80 0 100 120 0 0 0 0 0 0
 253       1 vda1 100 5 2500 30 280 7 8800 70 0 90 100 0 0 0 0 0 0
   7       0 loop0 50 0 100 1 0 0 0 0 0 1 1 0 0 0 0 0 0
 259       0 nvme0n1 1000 0 8000 10 2000 0 16000 20 0 30 30 0 0 0 0 0 0
 259       1 nvme0n1p1 999 0 7990 9 1999 0 15990 19 0 29 29 0 0 0 0 0 0
 252       0 dm-0 900 0 7000 9 1900 0 15000 19 0 28 28 0 0 0 0 0 0
`;

describe('sumDiskstats', () => {
  it('sums reads and writes completed over whole physical disks only', () => {
    const disks = new Set(['vda', 'loop0', 'nvme0n1', 'dm-0']);
    expect(sumDiskstats(SAMPLE, disks)).toEqual({ read: 120 + 1000, write: 300 + 2000 });
  });

  it('ignores short or unknown lines', () => {
    expect(sumDiskstats('garbage\n 1 2 sda 1 2\n', new Set(['sda']))).toEqual({ read: 0, write: 0 });
  });
});
