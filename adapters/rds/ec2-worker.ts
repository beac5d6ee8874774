/**
 * `ec2:DescribeInstanceTypes` in a short-lived worker thread. The EC2 client is the largest AWS SDK
 * client (hundreds of operations); loading it costs the agent about 57 MB of resident memory for
 * good (measured with Node 20 and the agent's launcher flags, after the RDS, CloudWatch and PI
 * clients: RSS 69 → 126 MB after `import('@aws-sdk/client-ec2')`), for one call per instance class.
 * A worker's isolate, with everything it loaded, is freed when the worker exits (same measurement:
 * RSS 63.5 → 67.7 MB after one call in a worker). The worker runs the same SDK client with the same settings (region,
 * static credentials or the default chain, AWS_ENDPOINT_URL*, retry mode from the environment).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface InstanceTypeSize {
  vcpus?: number;
  memoryMiB?: number;
}

interface WorkerReply {
  ok: boolean;
  vcpus?: number;
  memoryMiB?: number;
  name?: string;
  Code?: string;
  message?: string;
  status?: number;
}

// CommonJS, evaluated in the worker: the SDK ships a CJS build, loaded by absolute path so the
// worker resolves it wherever the agent is installed.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { EC2Client, DescribeInstanceTypesCommand } = require(workerData.module);
const client = new EC2Client(workerData.config);
client
  .send(new DescribeInstanceTypesCommand({ InstanceTypes: [workerData.type] }))
  .then((out) => {
    const t = (out.InstanceTypes || [])[0] || {};
    parentPort.postMessage({ ok: true, vcpus: (t.VCpuInfo || {}).DefaultVCpus, memoryMiB: (t.MemoryInfo || {}).SizeInMiB });
  })
  .catch((e) => {
    parentPort.postMessage({ ok: false, name: e && e.name, Code: e && e.Code, message: String((e && e.message) || e),
      status: e && e.$metadata && e.$metadata.httpStatusCode });
  })
  .finally(() => client.destroy());
`;

const EC2_MODULE = createRequire(import.meta.url).resolve('@aws-sdk/client-ec2');

/** An SDK-shaped error (name, Code, $metadata) from the worker's reply. */
function sdkError(r: WorkerReply): Error {
  const err = new Error(r.message ?? 'DescribeInstanceTypes failed') as Error & {
    Code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  err.name = r.name ?? 'Error';
  if (r.Code) err.Code = r.Code;
  err.$metadata = { httpStatusCode: r.status };
  return err;
}

export function describeInstanceTypeInWorker(
  config: { region: string; credentials?: { accessKeyId: string; secretAccessKey: string } },
  type: string,
  signal: AbortSignal,
): Promise<InstanceTypeSize> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module: EC2_MODULE, config, type },
    });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = () =>
      finish(() => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted')));
    signal.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (r: WorkerReply) =>
      finish(() => (r.ok ? resolve({ vcpus: r.vcpus, memoryMiB: r.memoryMiB }) : reject(sdkError(r)))),
    );
    worker.once('error', (err) => finish(() => reject(err)));
    worker.once('exit', (code) =>
      finish(() => reject(new Error(`DescribeInstanceTypes worker exited (${code})`))),
    );
  });
}
