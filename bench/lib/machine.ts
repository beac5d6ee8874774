/** Facts about the machine and the code under test, recorded with every result. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineFacts {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  /** 1/5/15-minute load averages when the benchmark started: other tenants' work shows here. */
  loadAvg: number[];
}

export interface CodeFacts {
  commit: string;
  /** Files outside bench/ and docs/ with uncommitted changes when the benchmark ran. */
  dirty: string[];
}

export function machineFacts(): MachineFacts {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) cpuModel = m[1].trim();
  } catch {
    /* keep os.cpus() */
  }
  return {
    cpuModel,
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAvg: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trimEnd(); // not trim(): porcelain lines start with a status column that may be a space
  } catch {
    return '';
  }
}

export function codeFacts(): CodeFacts {
  const dirty = git(['status', '--porcelain', '--untracked-files=no'])
    .split('\n')
    .map((l) => l.slice(3).trim())
    .filter((f) => f && !f.startsWith('bench/') && !f.startsWith('docs/'));
  return { commit: git(['rev-parse', '--short=12', 'HEAD']) || 'unknown', dirty };
}

/** First line of `<bin> --version` (stdout or stderr: the exporter prints to stderr), or null. */
export function toolVersion(bin: string, args = ['--version']): string | null {
  const r = spawnSync(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error || r.status !== 0) return null;
  const out = `${r.stdout.toString()}${r.stderr.toString()}`;
  return out.split('\n')[0]?.trim() || null;
}
