/**
 * The command line (commander). `dbtune-agent [options]` runs the agent; `config` prints the
 * effective configuration; `check` runs the startup checks; `demo` tunes a throwaway PostgreSQL
 * with the embedded platform.
 */
import { Argument, Command, CommanderError, Option } from 'commander';
import { ADAPTERS } from '../../adapters/index.js';
import type { AdapterId } from '../../adapters/types.js';
import type { DemoFlags } from '../embedded/demo/options.js';
import { objectiveIds } from '../embedded/tuner/objectives.js';
import { DEFAULT_WORKLOAD, workloadIds } from '../embedded/demo/workloads/index.js';
import { ConfigError } from '../errors.js';
import { scrub } from '../log.js';
import { EXIT_OK, EXIT_USAGE, exitCodeFor } from './exit-codes.js';
import { versionLine } from './version.js';

export interface GlobalOptions {
  config?: string;
  logFormat?: 'json' | 'pretty';
  dryRun?: boolean;
  platform?: 'saas' | 'embedded';
  adapterFlags: Partial<Record<AdapterId, boolean>>;
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const defaultIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
  cwd: process.cwd(),
};

function camel(id: string): string {
  return id.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function globals(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<Record<string, unknown>>();
  const adapterFlags: Partial<Record<AdapterId, boolean>> = {};
  for (const a of ADAPTERS) if (o[camel(a.id)] === true) adapterFlags[a.id] = true;
  return {
    config: o.config as string | undefined,
    logFormat: o.logFormat as GlobalOptions['logFormat'],
    dryRun: o.dryRun === true,
    platform: o.platform as GlobalOptions['platform'],
    adapterFlags,
  };
}

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('dbtune-agent')
    .description(
      'PostgreSQL tuning agent: collects statistics, applies the knob values a tuning platform ' +
        'proposes (validated, verified, rolled back on failure) and raises memory guardrail signals. ' +
        'Talks to the DBtune platform, or to the embedded tuner (--platform embedded).',
    )
    .version(versionLine(), '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .showHelpAfterError('(run dbtune-agent --help for usage)');

  for (const a of ADAPTERS) program.option(a.flag, `use the ${a.id} adapter: ${a.description}`);
  program
    .option(
      '-c, --config <path>',
      'configuration file (default: first of /etc/dbtune.yaml, /etc/dbtune/dbtune.yaml, ./dbtune.yaml)',
    )
    .addOption(
      new Option(
        '--log-format <format>',
        'log output (default: pretty on a terminal, json otherwise)',
      ).choices(['json', 'pretty']),
    )
    .option('--dry-run', 'validate proposals and print the plan; never change the database')
    .addOption(
      new Option('--platform <platform>', 'saas: dbtune.server_url; embedded: the built-in tuner').choices([
        'saas',
        'embedded',
      ]),
    )
    .action(async (_opts, cmd: Command) => {
      const { runCommand } = await import('./commands/run.js');
      setExit(await runCommand(globals(cmd), io));
    });

  program
    .command('config')
    .description('print the effective configuration as JSON (secrets redacted) with the source of each value')
    .action(async (_opts, cmd: Command) => {
      const { configCommand } = await import('./commands/config.js');
      setExit(await configCommand(globals(cmd), io));
    });

  program
    .command('check')
    .description(
      'run the startup checks (database, pg_stat_statements, platform), start the adapter and check the privileges apply needs',
    )
    .option('--print-role-sql', "print SQL that creates a least-privilege role for the server's version")
    .action(async (opts: { printRoleSql?: boolean }, cmd: Command) => {
      const { checkCommand } = await import('./commands/check.js');
      setExit(await checkCommand(globals(cmd), io, { printRoleSql: opts.printRoleSql === true }));
    });

  program
    .command('embedded')
    .description(
      "the embedded platform's saved sessions: status (database, progress, reports), report (write report.json and report.html), reset (remove them)",
    )
    .addArgument(new Argument('<action>', 'what to do').choices(['status', 'report', 'reset']))
    .action(async (action: 'status' | 'report' | 'reset') => {
      const { embeddedCommand } = await import('./commands/embedded.js');
      setExit(embeddedCommand(action, io));
    });

  program
    .command('pending')
    .description('list the proposals the running agent holds for approval (apply_mode: approve)')
    .action(async (_opts, cmd: Command) => {
      const { pendingCommand } = await import('./commands/approval.js');
      setExit(await pendingCommand(globals(cmd), io));
    });

  for (const verb of ['approve', 'reject'] as const) {
    const sub = program
      .command(`${verb} <id>`)
      .description(
        verb === 'approve'
          ? 'approve a pending proposal: the running agent applies exactly it at its next config check'
          : 'reject a pending proposal: it is never applied, and the platform is told',
      );
    if (verb === 'reject') sub.option('--reason <text>', 'why (sent to the platform)');
    sub.action(async (id: string, opts: { reason?: string }, cmd: Command) => {
      const { decideCommand } = await import('./commands/approval.js');
      setExit(await decideCommand(verb, id, opts.reason, globals(cmd), io));
    });
  }

  program
    .command('demo')
    .description(
      'start a throwaway PostgreSQL, put a workload on it, tune it with the embedded platform and report the gain',
    )
    .option('--iterations <n>', 'tuning iterations, baseline included (default 20; 6 with --quick)')
    .option('--iteration-seconds <s>', 'measurement window per iteration (default 20; 8 with --quick)')
    .option('--warmup-seconds <s>', 'seconds discarded after each change (default 3; 2 with --quick)')
    .option('--pg-major <n>', 'PostgreSQL major version, 13 to 18 (default 17)')
    .option('--scale <n>', 'dataset scale, pgbench style (default 10; 2 with --quick)')
    .option('--clients <n>', 'concurrent workload clients (default 8)')
    .addOption(
      new Option('--objective <objective>', "what to optimise (default: the workload's)").choices(
        objectiveIds(),
      ),
    )
    .option(
      '--workload <id>',
      `what load to tune for: ${workloadIds().join(', ')} (default ${DEFAULT_WORKLOAD})`,
    )
    .addOption(
      new Option('--driver <tool>', 'load generator (default auto: pgbench when on PATH)').choices([
        'auto',
        'pgbench',
        'builtin',
      ]),
    )
    .option('--seed <n>', 'tuner random seed (default random)')
    .option('--quick', 'a short session: about 2 minutes on 2 cores')
    .option('--keep', 'leave the PostgreSQL running afterwards and print its URL')
    .option('--out <dir>', 'where report.json, report.html and the log go (default: current directory)')
    .action(async (opts: DemoFlags, cmd: Command) => {
      const { demoCommand } = await import('./commands/demo.js');
      setExit(await demoCommand(opts, io, globals(cmd)));
    });

  return program;
}

/** Parse argv and run; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0 through the override; real usage errors exit 2.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (err instanceof ConfigError) {
      io.err(
        `dbtune-agent: invalid configuration:\n${err.problems.map((p) => `  ${scrub(p)}`).join('\n')}\n`,
      );
      return EXIT_USAGE;
    }
    io.err(`dbtune-agent: ${scrub(err instanceof Error ? err.message : String(err))}\n`);
    return exitCodeFor(err);
  }
}
