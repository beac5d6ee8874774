/**
 * Kubernetes object bodies the simulation serves: Pod, Node, PodMetrics (metrics-server), the
 * kubelet's cAdvisor text, and the `Status` error body.
 * https://kubernetes.io/docs/reference/kubernetes-api/ ; cAdvisor metric names:
 * https://github.com/google/cadvisor/blob/master/docs/storage/prometheus.md
 */
import type { CnpgCluster, SimPod } from './cnpg.js';

export interface SimNode {
  name: string;
  allocatable: { cpu: string; memory: string };
  osImage: string;
  kernelVersion: string;
}

export function podBody(c: CnpgCluster, p: SimPod): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.spec.name,
      namespace: c.namespace,
      uid: `00000000-0000-4000-8000-${p.spec.name
        .padStart(12, '0')
        .slice(-12)
        .replace(/[^0-9a-f]/g, '0')}`,
      labels: c.labels(p),
      creationTimestamp: '2025-01-01T00:00:00Z',
    },
    spec: {
      nodeName: p.spec.node,
      containers: [
        {
          name: 'postgres',
          image: `ghcr.io/cloudnative-pg/postgresql:17`,
          resources: p.spec.resources ?? {},
        },
      ],
    },
    status: {
      phase: 'Running',
      podIP: '10.0.0.10',
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: p.ready ? 'True' : 'False' },
        { type: 'ContainersReady', status: p.ready ? 'True' : 'False' },
        { type: 'PodScheduled', status: 'True' },
      ],
      containerStatuses: [{ name: 'postgres', ready: p.ready, restartCount: 0, image: '', imageID: '' }],
    },
  };
}

export function nodeBody(n: SimNode): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name } },
    status: {
      allocatable: { cpu: n.allocatable.cpu, memory: n.allocatable.memory, pods: '110' },
      capacity: { cpu: n.allocatable.cpu, memory: n.allocatable.memory, pods: '110' },
      nodeInfo: {
        architecture: 'amd64',
        bootID: 'b0000000-0000-4000-8000-000000000001',
        containerRuntimeVersion: 'containerd://1.7.22',
        kernelVersion: n.kernelVersion,
        kubeProxyVersion: 'v1.31.2',
        kubeletVersion: 'v1.31.2',
        machineID: 'm1',
        operatingSystem: 'linux',
        osImage: n.osImage,
        systemUUID: 's1',
      },
    },
  };
}

/** metrics-server reports CPU in nanocores (`n`) and memory in kibibytes (`Ki`). */
export function podMetricsBody(c: CnpgCluster, p: SimPod): Record<string, unknown> {
  return {
    kind: 'PodMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: p.spec.name, namespace: c.namespace, creationTimestamp: new Date().toISOString() },
    timestamp: new Date().toISOString(),
    window: '15.03s',
    containers: [
      {
        name: 'postgres',
        usage: {
          cpu: `${Math.round(p.usage.cpuNanocores)}n`,
          memory: `${Math.round(p.usage.memoryBytes / 1024)}Ki`,
        },
      },
    ],
  };
}

/** The kubelet's `/metrics/cadvisor` text for every pod on `node`. */
export function cadvisorText(c: CnpgCluster, node: string): string {
  const out: string[] = [];
  const metric = (name: string, help: string, type: string, rows: [string, number, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value, at] of rows) out.push(`${name}{${labels}} ${value} ${at}`);
  };
  const pods = c.pods.filter((p) => p.spec.node === node);
  const labels = (p: SimPod, container: string, extra = '') =>
    `container="${container}",${extra}id="/kubepods/burstable/pod${p.spec.name}/${container}",image="",name="",namespace="${c.namespace}",pod="${p.spec.name}"`;
  const per = (f: (p: SimPod) => [string, number][]) =>
    pods.flatMap((p) => f(p).map(([l, v]) => [l, v, p.sampledAt] as [string, number, number]));
  metric('container_spec_cpu_quota', 'CPU quota of the container', 'gauge', [
    ...per((p) => (p.cgroup.cpuQuota >= 0 ? [[labels(p, 'postgres'), p.cgroup.cpuQuota]] : [])),
  ]);
  metric('container_spec_cpu_period', 'CPU period of the container', 'gauge', [
    ...per((p) => [[labels(p, 'postgres'), p.cgroup.cpuPeriod]]),
  ]);
  metric('container_spec_memory_limit_bytes', 'Memory limit for the container.', 'gauge', [
    ...per((p) => [
      [labels(p, 'postgres'), p.cgroup.memoryLimitBytes],
      [labels(p, 'POD'), 0],
    ]),
  ]);
  // Two devices, so a reader must sum over them.
  metric('container_fs_reads_total', 'Cumulative count of reads completed', 'counter', [
    ...per((p) => [
      [labels(p, 'postgres', 'device="/dev/sda",'), p.io.reads - 10],
      [labels(p, 'postgres', 'device="/dev/sdb",'), 10],
    ]),
  ]);
  metric('container_fs_writes_total', 'Cumulative count of writes completed', 'counter', [
    ...per((p) => [
      [labels(p, 'postgres', 'device="/dev/sda",'), p.io.writes - 20],
      [labels(p, 'postgres', 'device="/dev/sdb",'), 20],
    ]),
  ]);
  // Network counters belong to the pod's sandbox (one network namespace for all its containers).
  metric('container_network_receive_bytes_total', 'Cumulative count of bytes received', 'counter', [
    ...per((p) => [[labels(p, 'POD', 'interface="eth0",'), p.io.rxBytes]]),
  ]);
  metric('container_network_transmit_bytes_total', 'Cumulative count of bytes transmitted', 'counter', [
    ...per((p) => [[labels(p, 'POD', 'interface="eth0",'), p.io.txBytes]]),
  ]);
  return `${out.join('\n')}\n`;
}

export function statusBody(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}
