import { afterAll, describe, expect, it } from 'vitest';
import { pgMajors, startPostgres, type PgCluster } from '../harness/postgres.js';

// The matrix always includes the oldest and newest supported majors, plus whatever PG_MAJORS adds.
const majors = [...new Set([13, 18, ...pgMajors()])].sort((a, b) => a - b);

describe.each(majors)('throwaway PostgreSQL %i', (major) => {
  let pg: PgCluster | undefined;
  afterAll(async () => {
    await pg?.destroy();
  });

  it('starts on a loopback port with pg_stat_statements and survives restart', async () => {
    pg = await startPostgres({ major, settings: { work_mem: '8MB' } });
    const [row] = await pg.sql(
      "SELECT current_setting('server_version_num')::int AS v, current_setting('work_mem') AS wm",
    );
    expect(Math.floor(Number(row!.v) / 10000)).toBe(major);
    expect(row!.wm).toBe('8MB');
    const ext = await pg.sql('SELECT count(*)::int AS n FROM public.pg_stat_statements');
    expect(Number(ext[0]!.n)).toBeGreaterThanOrEqual(0);
    const pidBefore = pg.postmasterPid();
    await pg.restart();
    expect(pg.postmasterPid()).not.toBe(pidBefore);
    const [again] = await pg.sql('SELECT 1 AS one');
    expect(again!.one).toBe(1);
  });
});
