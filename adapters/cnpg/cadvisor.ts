/**
 * Reading the kubelet's cAdvisor metrics (Prometheus text format) for one container.
 * Metric names: https://github.com/google/cadvisor/blob/master/docs/storage/prometheus.md
 * Text format: https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

export interface CadvisorSample {
  /** `container_spec_cpu_quota` (µs per period); null = no quota. */
  cpuQuota: number | null;
  cpuPeriod: number | null;
  /** `container_spec_memory_limit_bytes`; 0 means no limit. */
  memoryLimit: number | null;
  /** Cumulative read/write operations, summed over devices. */
  reads: number | null;
  writes: number | null;
  /** Cumulative network bytes of the pod (one network namespace for all its containers). */
  rxBytes: number | null;
  txBytes: number | null;
  /** Sample time (ms) of the I/O counters; null when the lines carry none. */
  timestampMs: number | null;
}

export interface CadvisorTarget {
  namespace: string;
  pod: string;
  container: string;
}

interface Line {
  name: string;
  labels: Record<string, string>;
  value: number;
  ts: number | null;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?\s*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parseLine(text: string): Line | null {
  const m = LINE.exec(text);
  if (!m) return null;
  const labels: Record<string, string> = {};
  for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1] ?? ''] = (l[2] ?? '').replace(/\\(.)/g, '$1');
  const value = Number(m[3]);
  if (!Number.isFinite(value)) return null;
  return { name: m[1] ?? '', labels, value, ts: m[4] ? Number(m[4]) : null };
}

const WANTED = new Set([
  'container_spec_cpu_quota',
  'container_spec_cpu_period',
  'container_spec_memory_limit_bytes',
  'container_fs_reads_total',
  'container_fs_writes_total',
  'container_network_receive_bytes_total',
  'container_network_transmit_bytes_total',
]);

export function parseCadvisor(text: string, t: CadvisorTarget): CadvisorSample {
  const s: CadvisorSample = {
    cpuQuota: null,
    cpuPeriod: null,
    memoryLimit: null,
    reads: null,
    writes: null,
    rxBytes: null,
    txBytes: null,
    timestampMs: null,
  };
  const add = (a: number | null, b: number) => (a ?? 0) + b;
  // Network lines may exist for several containers of the pod (the sandbox, the app): they describe
  // the same network namespace, so the lines of the first container seen are used.
  let netContainer: string | undefined;
  for (const raw of text.split('\n')) {
    if (raw === '' || raw.startsWith('#')) continue;
    const name = raw.slice(0, raw.search(/[{\s]/));
    if (!WANTED.has(name)) continue;
    const l = parseLine(raw);
    if (!l || l.labels.namespace !== t.namespace || l.labels.pod !== t.pod) continue;
    const mine = l.labels.container === t.container;
    switch (l.name) {
      case 'container_spec_cpu_quota':
        if (mine && l.value >= 0) s.cpuQuota = l.value;
        break;
      case 'container_spec_cpu_period':
        if (mine && l.value > 0) s.cpuPeriod = l.value;
        break;
      case 'container_spec_memory_limit_bytes':
        if (mine) s.memoryLimit = l.value;
        break;
      case 'container_fs_reads_total':
      case 'container_fs_writes_total':
        if (!mine) break;
        if (l.name === 'container_fs_reads_total') s.reads = add(s.reads, l.value);
        else s.writes = add(s.writes, l.value);
        if (l.ts !== null) s.timestampMs = Math.max(s.timestampMs ?? 0, l.ts);
        break;
      default: {
        const c = l.labels.container ?? '';
        netContainer ??= c;
        if (c !== netContainer) break;
        if (l.name === 'container_network_receive_bytes_total') s.rxBytes = add(s.rxBytes, l.value);
        else s.txBytes = add(s.txBytes, l.value);
      }
    }
  }
  return s;
}
