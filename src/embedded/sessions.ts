/**
 * Saved embedded sessions: one directory per target under `<state dir>/sessions/` (state.json,
 * report.json, report.html). Reading them needs no database connection, so `dbtune-agent embedded
 * status|report|reset` work while the database is down.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadState, type PersistedState } from './platform/state-store.js';
import { REPORT_FILE, STATE_FILE } from './platform/state-store.js';
import { targetKey, type SessionTarget } from './target.js';

export const SESSIONS_DIR = 'sessions';
export const REPORT_HTML_FILE = 'report.html';

export interface SavedSession {
  readonly dir: string;
  readonly state: PersistedState;
  readonly reportJson: string;
  readonly reportHtml: string;
}

export function sessionDir(stateDir: string, target: SessionTarget): string {
  return path.join(stateDir, SESSIONS_DIR, targetKey(target));
}

export function reportPaths(dir: string): { json: string; html: string } {
  return { json: path.join(dir, REPORT_FILE), html: path.join(dir, REPORT_HTML_FILE) };
}

/** Every saved session, oldest first. A damaged state file is an error naming the file. */
export function listSessions(stateDir: string): SavedSession[] {
  const root = path.join(stateDir, SESSIONS_DIR);
  if (!existsSync(root)) return [];
  const out: SavedSession[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(root, entry.name);
    if (!existsSync(path.join(dir, STATE_FILE))) continue;
    const state = loadState(dir);
    if (!state) continue;
    const { json, html } = reportPaths(dir);
    out.push({ dir, state, reportJson: json, reportHtml: html });
  }
  return out.sort((a, b) => a.state.startedAt - b.state.startedAt);
}

/** Remove one saved session (its state and reports). */
export function removeSession(session: SavedSession): void {
  rmSync(session.dir, { recursive: true, force: true });
}

/**
 * A state.json directly in the state directory: written before sessions were bound to a target.
 * It is never resumed (its database is unknown); `embedded reset` removes it.
 */
export function legacyStateFile(stateDir: string): string | null {
  const file = path.join(stateDir, STATE_FILE);
  return existsSync(file) ? file : null;
}
