/**
 * A synthetic schema and statement set for collection benchmarks: N tables with 3 indexes each
 * (primary key + 2), a few rows, analysed; and M distinct statements (distinct pg_stat_statements
 * entries) spread over the tables and over 45 shapes (select list × predicate × ordering).
 */
import type pg from 'pg';

const SELECTS = ['id', 'a, b', 'c', 'd', 'id, c'] as const;
const WHERES = ['id = 1', 'a = 3', 'b > 5'] as const;
const ORDERS = ['', ' ORDER BY a', ' ORDER BY b DESC LIMIT 5'] as const;
export const SHAPES_PER_TABLE = SELECTS.length * WHERES.length * ORDERS.length;

function tableDdl(t: number): string {
  return (
    `CREATE TABLE bt${t} (id int PRIMARY KEY, a int, b int, c text, d timestamptz);` +
    `CREATE INDEX bt${t}_a ON bt${t} (a);` +
    `CREATE INDEX bt${t}_ba ON bt${t} (b, a);` +
    `INSERT INTO bt${t} SELECT g, g % 7, g % 11, 'row ' || g, now() FROM generate_series(1, 20) g;`
  );
}

/** Create `tables` tables (batched: one implicit transaction per 100 tables) and ANALYZE them. */
export async function createSchema(client: pg.Client, tables: number): Promise<void> {
  for (let t = 0; t < tables; t += 100) {
    const n = Math.min(100, tables - t);
    await client.query(Array.from({ length: n }, (_, k) => tableDdl(t + k)).join('\n'));
  }
  await client.query('ANALYZE');
}

/** Statement `i` of a workload over `tables` tables; every i < tables × 45 has its own queryid. */
export function statement(i: number, tables: number): string {
  const t = i % tables;
  const s = Math.floor(i / tables);
  if (s >= SHAPES_PER_TABLE) throw new Error(`workload: statement ${i} needs more than ${tables} tables`);
  const sel = SELECTS[s % SELECTS.length]!;
  const where = WHERES[Math.floor(s / SELECTS.length) % WHERES.length]!;
  const order = ORDERS[Math.floor(s / (SELECTS.length * WHERES.length))]!;
  return `SELECT ${sel} FROM bt${t} WHERE ${where}${order}`;
}

/** Run statements [from, from + count) (modulo `total`), 500 per round trip. */
export async function runStatements(
  client: pg.Client,
  from: number,
  count: number,
  total: number,
  tables: number,
): Promise<void> {
  for (let k = 0; k < count; k += 500) {
    const n = Math.min(500, count - k);
    const batch = Array.from({ length: n }, (_, j) => statement((from + k + j) % total, tables));
    await client.query(batch.join(';\n'));
  }
}
