/**
 * Registry contract (docs/STYLE.md): the registry lists every adapter id exactly once, alphabetically;
 * every adapter folder is registered with a loader and follows the common file layout; every loader
 * resolves to a module of the same id; flags and sections are unique and sections exist in the
 * configuration schema.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/index.js';
import { ADAPTERS, ENV_DETECTION_ORDER, SECTION_DETECTION_ORDER } from './index.js';
import { ADAPTER_IDS } from './types.js';

const dir = path.dirname(fileURLToPath(import.meta.url));
const folders = readdirSync(dir).filter((f) => statSync(path.join(dir, f)).isDirectory());

describe('adapter registry', () => {
  it('lists every adapter id once, in alphabetical order', () => {
    const ids = ADAPTERS.map((a) => a.id);
    expect(ids).toEqual([...ADAPTER_IDS]);
    expect([...ids].sort()).toEqual(ids);
  });

  it('has unique flags of the form --<id> and unique sections', () => {
    for (const a of ADAPTERS) expect(a.flag).toBe(`--${a.id}`);
    const sections = ADAPTERS.map((a) => a.section).filter((s) => s !== null);
    expect(new Set(sections).size).toBe(sections.length);
  });

  it('names sections that exist in the configuration schema', () => {
    const keys = Object.keys((configSchema as unknown as { shape: Record<string, unknown> }).shape);
    for (const a of ADAPTERS) if (a.section) expect(keys, a.section).toContain(a.section);
  });

  it('detection orders name registered adapters', () => {
    for (const id of [...ENV_DETECTION_ORDER, ...SECTION_DETECTION_ORDER]) expect(ADAPTER_IDS).toContain(id);
  });

  it('registers a loader for exactly the adapter folders', () => {
    const loadable = new Set(ADAPTERS.filter((a) => a.load).map((a) => a.folder ?? a.id));
    expect([...folders].sort()).toEqual([...loadable].sort());
  });

  it.each(folders)('%s follows the common layout and loads a module of its own id', async (folder) => {
    for (const file of ['index.ts', 'system-info.ts', 'metrics.ts', 'apply.ts', 'README.md']) {
      expect(existsSync(path.join(dir, folder, file)), `${folder}/${file}`).toBe(true);
    }
    for (const entry of ADAPTERS.filter((a) => (a.folder ?? a.id) === folder)) {
      const module = await entry.load();
      expect(module.id).toBe(entry.id);
      expect(typeof module.create).toBe('function');
    }
  });
});
