import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  scripts: Record<string, string>;
};
const taskfile = YAML.parse(readFileSync(new URL('Taskfile.yml', root), 'utf8')) as {
  tasks: Record<string, { cmds: string[] }>;
};

describe('Taskfile.yml mirrors the npm scripts', () => {
  const tasks = Object.entries(taskfile.tasks);

  it('has tasks', () => {
    expect(tasks.length).toBeGreaterThan(3);
  });

  it.each(tasks)('task %s calls an existing npm script', (_name, task) => {
    expect(task.cmds.length).toBeGreaterThan(0);
    for (const cmd of task.cmds) {
      const m = /^npm (?:run (\S+)|(test))(?:\s|$)/.exec(cmd);
      expect(m, `task command "${cmd}" is not an npm script call`).not.toBeNull();
      const script = m![1] ?? m![2]!;
      expect(Object.keys(pkg.scripts)).toContain(script);
    }
  });

  it('covers the core npm scripts', () => {
    for (const s of ['build', 'typecheck', 'lint', 'test', 'test:unit', 'test:integration']) {
      const calls = tasks.flatMap(([, t]) => t.cmds);
      expect(calls.some((c) => c === `npm run ${s}` || (s === 'test' && c === 'npm test'))).toBe(true);
    }
  });
});
