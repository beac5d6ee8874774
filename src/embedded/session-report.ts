/**
 * report.json and report.html for a session on the user's own database, written next to its state
 * (`dbtune-agent embedded report`, and when a session ends). Same shape as the demo's report, with
 * `workload: null` (the database's own load) and the knob units the agent reported.
 */
import os from 'node:os';
import { buildDemoReport, writeJsonReport, type DemoReport } from './demo/report-json.js';
import { writeHtmlReport } from './demo/report-html.js';
import { sessionReport } from './platform/report.js';
import type { PersistedState } from './platform/state-store.js';

export function sessionDemoReport(state: PersistedState, agentVersion: string, now: Date): DemoReport {
  const units = Object.fromEntries(Object.entries(state.knobMeta).map(([name, m]) => [name, m.unit]));
  const end = state.finishedAt ?? now.getTime();
  return buildDemoReport(sessionReport(state), {
    agentVersion,
    pgVersion: state.facts.pgVersion ?? '',
    machine: { cpus: os.availableParallelism(), memoryBytes: os.totalmem() },
    workload: null,
    units,
    wallSeconds: Math.max(0, (end - state.startedAt) / 1000),
    now,
  });
}

export function writeSessionReports(
  dir: string,
  state: PersistedState,
  agentVersion: string,
  now: Date,
): { json: string; html: string } {
  const report = sessionDemoReport(state, agentVersion, now);
  return { json: writeJsonReport(dir, report), html: writeHtmlReport(dir, report) };
}
