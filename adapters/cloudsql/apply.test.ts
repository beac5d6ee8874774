import { describe, expect, it } from 'vitest';
import type { PlannedChange } from '../../src/apply/types.js';
import { silentLogger } from '../../src/log.js';
import { cloudSqlBackend } from './apply.js';
import type { CloudSqlApi, DatabaseFlag, OperationInfo } from './client.js';
import { GoogleCallError } from './errors.js';

const workMem: PlannedChange = {
  name: 'work_mem',
  current: '4096',
  proposed: '8192',
  requested: '8192',
  unit: 'kB',
  vartype: 'integer',
  context: 'user',
};

function fakeApi(opts: { busy?: number; operation?: OperationInfo[] }) {
  let flags: DatabaseFlag[] = [{ name: 'jit', value: 'off' }];
  let busy = opts.busy ?? 0;
  const ops = [...(opts.operation ?? [{ status: 'DONE', errors: [] }])];
  const patches: DatabaseFlag[][] = [];
  const api = {
    getInstance: () =>
      Promise.resolve({ databaseVersion: 'POSTGRES_17', state: 'RUNNABLE', tier: '', flags, userLabels: {} }),
    patchFlags: (next: DatabaseFlag[]) => {
      patches.push(next);
      if (busy-- > 0)
        return Promise.reject(new GoogleCallError('instances.patch', 'busy', 'another operation'));
      flags = next;
      return Promise.resolve('op-1');
    },
    getOperation: () => Promise.resolve(ops.length > 1 ? ops.shift()! : ops[0]!),
  } as unknown as CloudSqlApi;
  return { api, patches };
}

const backendFor = (api: CloudSqlApi) =>
  cloudSqlBackend({
    api,
    databaseVersion: 'POSTGRES_17',
    allowRestart: true,
    log: silentLogger(),
    pollIntervalMs: 10,
  });
const signal = () => AbortSignal.timeout(5_000);

describe('cloudSqlBackend', () => {
  it('sends the merged list, retrying while another operation runs, and follows the operation to DONE', async () => {
    const { api, patches } = fakeApi({
      busy: 2,
      operation: [
        { status: 'PENDING', errors: [] },
        { status: 'RUNNING', errors: [] },
        { status: 'DONE', errors: [] },
      ],
    });
    const b = backendFor(api);
    await b.write([workMem], signal());
    await b.activate('reload', [workMem], signal());
    expect(patches).toHaveLength(3);
    expect(patches.at(-1)).toEqual([
      { name: 'jit', value: 'off' },
      { name: 'work_mem', value: '8192' },
    ]);
  });

  it('stops retrying a busy instance when the deadline passes', async () => {
    const { api } = fakeApi({ busy: Number.POSITIVE_INFINITY });
    const b = backendFor(api);
    await b.write([workMem], signal());
    await expect(b.activate('reload', [workMem], AbortSignal.timeout(100))).rejects.toThrow(
      'cloudsql: gave up waiting for another operation on the instance to finish (operationInProgress): the deadline passed',
    );
  });

  it('fails with the operation errors; restores after a sent patch, and sends nothing when none was sent', async () => {
    const { api, patches } = fakeApi({ operation: [{ status: 'DONE', errors: ['INTERNAL_ERROR: boom'] }] });
    const b = backendFor(api);
    const ctx = {
      log: silentLogger(),
      signal: signal(),
      activated: 'reload' as const,
      isUp: () => Promise.resolve(true),
      waitUp: () => Promise.resolve(),
    };
    const snap = await b.snapshot([workMem], signal());
    await b.write([workMem], signal());
    await b.restore(snap, [workMem], ctx);
    expect(patches).toEqual([]); // write prepares only: nothing reached Cloud SQL
    await b.write([workMem], signal());
    await expect(b.activate('reload', [workMem], signal())).rejects.toThrow(
      'cloudsql: operation op-1 failed: INTERNAL_ERROR: boom',
    );
    await b.restore(snap, [workMem], ctx).catch(() => undefined); // its own operation fails too here
    expect(patches.at(-1)).toEqual([{ name: 'jit', value: 'off' }]);
  });
});
