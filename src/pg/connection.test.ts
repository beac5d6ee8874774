import { describe, expect, it } from 'vitest';
import { connectionProblem, parseKeyValue, toClientConfig } from './connection.js';

describe('connection string', () => {
  it('accepts postgres:// and postgresql:// URLs', () => {
    expect(toClientConfig('postgres://u:p%40ss@db.example:6543/app')).toMatchObject({
      host: 'db.example',
      port: 6543,
      user: 'u',
      password: 'p@ss',
      database: 'app',
    });
    expect(toClientConfig('postgresql://u@h/db').host).toBe('h');
  });

  it('refuses other schemes and free text, without echoing the value', () => {
    expect(connectionProblem('mysql://root:hunter2@h/db')).toBe(
      'must be a postgres:// or postgresql:// URL, not mysql://',
    );
    expect(connectionProblem('not a url')).toBe('must be a postgres:// URL or a libpq key=value string');
    expect(connectionProblem('host=h passwd=hunter2')).toBe('unknown connection keyword "passwd"');
    for (const bad of ['mysql://root:hunter2@h/db', 'host=h passwd=hunter2'])
      expect(connectionProblem(bad)).not.toContain('hunter2');
  });

  it('reads libpq key=value strings, quoted values included', () => {
    expect([...parseKeyValue(`host=db port=5433 password='a b\\'c' dbname=app`)]).toEqual([
      ['host', 'db'],
      ['port', '5433'],
      ['password', "a b'c"],
      ['dbname', 'app'],
    ]);
    expect(
      toClientConfig(`host=db port=5433 user=agent password='a b\\'c' dbname=app sslmode=disable`),
    ).toMatchObject({
      host: 'db',
      port: 5433,
      user: 'agent',
      password: "a b'c",
      database: 'app',
      ssl: false,
    });
    expect(toClientConfig('host=/var/run/postgresql port=5433 dbname=app')).toMatchObject({
      host: '/var/run/postgresql',
      port: 5433,
      database: 'app',
    });
  });

  it('gives sslmode its libpq meaning: require encrypts without verifying, verify-full verifies', () => {
    expect(toClientConfig('postgres://h/db?sslmode=require').ssl).toEqual({ rejectUnauthorized: false });
    expect(toClientConfig('host=h dbname=db sslmode=require').ssl).toEqual({ rejectUnauthorized: false });
    expect(toClientConfig('postgres://h/db?sslmode=prefer').ssl).toEqual({ rejectUnauthorized: false });
    const full = toClientConfig('postgres://h/db?sslmode=verify-full').ssl;
    expect(full).toBeTruthy();
    expect(full).not.toMatchObject({ rejectUnauthorized: false });
    expect(toClientConfig('postgres://h/db?sslmode=disable').ssl).toBe(false);
    expect(connectionProblem('postgres://h/db?sslmode=verify-ca')).toMatch(
      /verify-ca requires specifying a CA/,
    );
  });
});
