/**
 * Finding and reading dbtune.yaml. Search order follows the Go agent (docs/PROTOCOL.md §2.8): /etc/,
 * /etc/dbtune/, %PROGRAMDATA%\dbtune, %APPDATA%\dbtune, then the working directory; the first
 * existing file wins and no file at all is fine. File-level failures (explicit path missing,
 * unreadable, malformed YAML) stop loading at once: validating keys of a file we could not read
 * would only add noise.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { cosmiconfigSync, type LoaderSync } from 'cosmiconfig';
import YAML from 'yaml';
import { ConfigError, errorMessage } from '../errors.js';

export interface FileContent {
  readonly file: string | null;
  /** The parsed document; undefined when there is no file or it is empty. */
  readonly data: unknown;
}

export function defaultSearchPaths(
  cwd: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): string[] {
  const paths = ['/etc/dbtune.yaml', '/etc/dbtune/dbtune.yaml'];
  if (platform === 'win32') {
    for (const v of ['PROGRAMDATA', 'APPDATA']) {
      const dir = env[v];
      if (dir) paths.push(path.win32.join(dir, 'dbtune', 'dbtune.yaml'));
    }
  }
  paths.push(path.join(cwd, 'dbtune.yaml'));
  return paths;
}

class YamlSyntaxError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

// The parsed document is wrapped so cosmiconfig's `$import` merging never sees a top-level
// `$import` key: the Go agent has no such feature, and a config file must not pull in others.
const yamlLoader: LoaderSync = (filepath, content) => {
  const doc = YAML.parseDocument(content, { prettyErrors: true, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    // First line only: the rest of yaml's message quotes the source, which may hold secrets.
    throw new YamlSyntaxError(
      doc.errors.map((e) => {
        const at = e.linePos?.[0];
        const where = at ? `:${at.line}:${at.col}` : '';
        return `${filepath}${where}: invalid YAML: ${e.message.split(' at line ')[0] ?? e.code}`;
      }),
    );
  }
  try {
    return { document: doc.toJS({ maxAliasCount: 100 }) as unknown };
  } catch (err) {
    throw new YamlSyntaxError([`${filepath}: invalid YAML: ${errorMessage(err).split('\n')[0] ?? ''}`]);
  }
};

const explorer = cosmiconfigSync('dbtune', {
  cache: false,
  searchStrategy: 'none',
  loaders: { '.yaml': yamlLoader, '.yml': yamlLoader, '.json': yamlLoader, noExt: yamlLoader },
});

function exists(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function load(file: string): FileContent {
  try {
    const result = explorer.load(file);
    const wrapped = result?.config as { document?: unknown } | undefined;
    return { file, data: wrapped?.document ?? undefined };
  } catch (err) {
    if (err instanceof YamlSyntaxError) throw new ConfigError(err.problems);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError([`${file}: config file not found`]);
    throw new ConfigError([`${file}: cannot read config file: ${code ?? errorMessage(err)}`]);
  }
}

/** `explicit` (the --config flag) must exist; otherwise the first existing search path, or none. */
export function readConfigFile(explicit: string | undefined, searchPaths: readonly string[]): FileContent {
  if (explicit !== undefined) return load(explicit);
  const found = searchPaths.find(exists);
  return found ? load(found) : { file: null, data: undefined };
}
