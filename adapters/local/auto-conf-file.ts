/**
 * postgresql.auto.conf on the local file system, for rollback when PostgreSQL is down (see
 * rollback.ts). ALTER SYSTEM itself writes the file as a temporary file renamed into place
 * (https://www.postgresql.org/docs/current/sql-altersystem.html); this does the same, so a starting
 * server sees either the old or the new file, never half of one. Contents are handled as latin1 so
 * that any bytes round-trip exactly.
 */
import { chown, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AutoConfFile } from './alter-system-types.js';

export function localAutoConfFile(dataDir: string): AutoConfFile {
  const file = path.join(dataDir, 'postgresql.auto.conf');
  return {
    location: file,
    read: () => readFile(file, 'latin1'),
    async write(contents: string): Promise<void> {
      const before = await stat(file).catch(() => null);
      const tmp = `${file}.dbtune-${process.pid}.tmp`;
      try {
        await writeFile(tmp, contents, { encoding: 'latin1', mode: before ? before.mode & 0o777 : 0o600 });
        // Keep the owner (the postgres OS user) when the agent runs as root.
        if (before && process.getuid?.() === 0) await chown(tmp, before.uid, before.gid);
        await rename(tmp, file);
      } catch (err) {
        await rm(tmp, { force: true });
        throw new Error(
          `apply: rollback: cannot write ${file}: ${err instanceof Error ? err.message : String(err)}`,
          {
            cause: err,
          },
        );
      }
    },
  };
}
