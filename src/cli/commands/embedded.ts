/**
 * `dbtune-agent embedded status|report|reset`: the embedded platform's saved sessions
 * (DBT_EMBEDDED_STATE_DIR, src/embedded/attach.ts). Reads files only, so it works with the agent and
 * the database stopped.
 * - status: each session's database, phase, progress and where its reports are;
 * - report: write report.json and report.html for every session, running or finished;
 * - reset: remove every saved session, so the next run starts a new one.
 */
import { existsSync, rmSync } from 'node:fs';
import { embeddedSettings } from '../../embedded/attach.js';
import { sessionReport } from '../../embedded/platform/report.js';
import { writeSessionReports } from '../../embedded/session-report.js';
import { legacyStateFile, listSessions, removeSession, type SavedSession } from '../../embedded/sessions.js';
import { describeTarget } from '../../embedded/target.js';
import type { Io } from '../program.js';
import { AGENT_VERSION } from '../version.js';
import { EXIT_OK } from '../exit-codes.js';

export type EmbeddedAction = 'status' | 'report' | 'reset';

export function embeddedCommand(action: EmbeddedAction, io: Io, now: () => Date = () => new Date()): number {
  const { stateDir } = embeddedSettings(io.env);
  const sessions = listSessions(stateDir);
  const legacy = legacyStateFile(stateDir);
  if (action === 'reset') {
    for (const s of sessions) {
      removeSession(s);
      io.out(`removed the session for ${where(s)} (${s.dir})\n`);
    }
    if (legacy) {
      rmSync(legacy, { force: true });
      io.out(`removed ${legacy} (a session saved before sessions were bound to a database)\n`);
    }
    if (sessions.length === 0 && !legacy) io.out(`no saved session in ${stateDir}\n`);
    return EXIT_OK;
  }
  if (sessions.length === 0) {
    io.out(`no saved session in ${stateDir}\n`);
    return EXIT_OK;
  }
  for (const s of sessions) {
    if (action === 'report') {
      const paths = writeSessionReports(s.dir, s.state, AGENT_VERSION, now());
      io.out(`${where(s)}:\n  ${paths.json}\n  ${paths.html}\n`);
    } else io.out(statusText(s));
  }
  return EXIT_OK;
}

function where(s: SavedSession): string {
  return s.state.target ? describeTarget(s.state.target) : 'an unknown database';
}

function statusText(s: SavedSession): string {
  const r = sessionReport(s.state);
  const st = s.state.settings;
  const measured = r.iterations.length;
  const lines = [
    `${where(s)}`,
    `  phase: ${s.state.phase}, ${measured} of ${st.iterations} iterations measured (${st.iterationSeconds} s each, +${st.warmupSeconds} s warm-up), objective ${st.objective}`,
    `  started: ${new Date(s.state.startedAt).toISOString()}${s.state.finishedAt ? `, finished: ${new Date(s.state.finishedAt).toISOString()}` : ''}`,
  ];
  if (r.final) {
    const gain = r.improvement_pct === null ? '' : ` (estimated ${r.improvement_pct.toFixed(1)} %)`;
    lines.push(`  kept: the ${r.final.source} configuration${gain}`);
  }
  if (s.state.lastError) lines.push(`  last error: ${s.state.lastError}`);
  lines.push(`  state: ${s.dir}`);
  lines.push(
    existsSync(s.reportJson)
      ? `  reports: ${s.reportJson}\n           ${s.reportHtml}`
      : `  reports: none yet ('dbtune-agent embedded report' writes them)`,
  );
  return `${lines.join('\n')}\n`;
}
