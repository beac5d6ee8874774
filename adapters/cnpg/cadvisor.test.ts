import { describe, expect, it } from 'vitest';
import { parseCadvisor } from './cadvisor.js';

const TEXT = `# HELP container_fs_reads_total Cumulative count of reads completed
# TYPE container_fs_reads_total counter
container_fs_reads_total{container="postgres",device="/dev/sda",namespace="db",pod="pg-1"} 90 1700000005000
container_fs_reads_total{container="postgres",device="/dev/sdb",namespace="db",pod="pg-1"} 10 1700000005000
container_fs_reads_total{container="postgres",device="/dev/sda",namespace="db",pod="pg-2"} 7777 1700000005000
container_fs_reads_total{container="bootstrap",device="/dev/sda",namespace="db",pod="pg-1"} 5 1700000005000
container_fs_writes_total{container="postgres",device="/dev/sda",namespace="db",pod="pg-1"} 200 1700000004000
container_spec_cpu_quota{container="postgres",namespace="db",pod="pg-1"} 150000 1700000005000
container_spec_cpu_period{container="postgres",namespace="db",pod="pg-1"} 100000 1700000005000
container_spec_memory_limit_bytes{container="postgres",namespace="db",pod="pg-1"} 4.294967296e+09 1700000005000
container_spec_memory_limit_bytes{container="POD",namespace="db",pod="pg-1"} 0 1700000005000
container_network_receive_bytes_total{container="POD",interface="eth0",namespace="db",pod="pg-1"} 1000 1700000005000
container_network_receive_bytes_total{container="POD",interface="eth1",namespace="db",pod="pg-1"} 24 1700000005000
container_network_receive_bytes_total{container="",interface="eth0",namespace="db",pod="pg-1"} 1000 1700000005000
container_network_transmit_bytes_total{container="POD",interface="eth0",namespace="db",pod="pg-1"} 2000 1700000005000
machine_cpu_cores 8
`;

describe('parseCadvisor', () => {
  it('reads one container of one pod, summing devices and interfaces', () => {
    expect(parseCadvisor(TEXT, { namespace: 'db', pod: 'pg-1', container: 'postgres' })).toEqual({
      cpuQuota: 150000,
      cpuPeriod: 100000,
      memoryLimit: 4294967296,
      reads: 100,
      writes: 200,
      rxBytes: 1024,
      txBytes: 2000,
      timestampMs: 1700000005000,
    });
  });

  it('returns nulls for a pod it does not list', () => {
    const s = parseCadvisor(TEXT, { namespace: 'db', pod: 'pg-9', container: 'postgres' });
    expect(Object.values(s).every((v) => v === null)).toBe(true);
  });

  it('treats a negative quota as no quota', () => {
    const s = parseCadvisor('container_spec_cpu_quota{container="postgres",namespace="db",pod="pg-1"} -1\n', {
      namespace: 'db',
      pod: 'pg-1',
      container: 'postgres',
    });
    expect(s.cpuQuota).toBeNull();
  });
});
