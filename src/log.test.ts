import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { clearSecretsForTest, createLogger, registerSecret, scrub, type LogLine } from './log.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, destination };
}

describe('log scrubbing', () => {
  afterEach(() => clearSecretsForTest());

  const apiKey = '6f1c2a3e-1111-4a4a-9b9b-0123456789ab';
  const password = 'pa$$w0rd-very-secret';

  it('removes registered secrets from messages, fields, errors and stacks', () => {
    registerSecret(apiKey);
    registerSecret(password);
    const { lines, destination } = capture();
    const forwarded: LogLine[] = [];
    const log = createLogger({ format: 'json', destination, onWarn: (l) => forwarded.push(l) });
    log.info({ key: apiKey, nested: { deeper: [password] } }, `using key ${apiKey}`);
    log.warn({ err: new Error(`auth failed for ${password}`) }, 'platform error');
    log.error(`connection postgres://app:${password}@db:5432/x failed`);
    const out = lines.join('');
    expect(out).not.toContain(apiKey);
    expect(out).not.toContain(password);
    expect(out).toContain('[REDACTED]');
    expect(forwarded).toHaveLength(2);
    expect(JSON.stringify(forwarded)).not.toContain(password);
  });

  it('masks URL passwords and key=value secrets it was never told about', () => {
    expect(scrub('postgres://u:hunter22@h/db')).toBe('postgres://u:[REDACTED]@h/db');
    expect(scrub('host=h password=hunter22 dbname=x')).toBe('host=h password=[REDACTED] dbname=x');
    expect(scrub('postgres://u@h/db')).toBe('postgres://u@h/db');
  });

  it('leaves ordinary text alone', () => {
    registerSecret('abc'); // too short to scrub safely: ignored
    expect(scrub('abc def')).toBe('abc def');
  });
});
