import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkLayers, checkRepository, declaredLayers, describeReport } from '../../scripts/layers/check-layers';
import { folderOf } from '../../scripts/layers/folder-graph';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const edge = (from: string, to: string) => ({ from, to, fromFile: `${from}/a.ts`, toFile: `${to}/b.ts` });

describe('the layers of src/ and plugins/backup', () => {
  it('hold: no circle, no upward import, every folder in docs/ARCHITECTURE.md', () => {
    expect(describeReport(checkRepository(repo))).toEqual([]);
  });

  it('every file the walks in docs/ARCHITECTURE.md name exists (a rename that forgets the drawing fails here)', () => {
    const doc = readFileSync(join(repo, 'docs/ARCHITECTURE.md'), 'utf8');
    const walks = doc.slice(doc.indexOf('## Three walks'), doc.indexOf('## Layers'));
    const named = [...new Set(walks.match(/[a-z0-9-]+(?:\/[a-z0-9-]+)*\.ts/g) ?? [])];
    expect(named.length).toBeGreaterThan(30);
    expect(named.filter((path) => !existsSync(join(repo, path)) && !existsSync(join(repo, 'plugins/backup', path)))).toEqual([]);
  });

  it('a circle of two folders is found, and so is the import that points up', () => {
    const layers = [['top'], ['middle'], ['bottom']];
    const report = checkLayers([edge('top', 'middle'), edge('middle', 'bottom'), edge('bottom', 'middle')], ['top', 'middle', 'bottom'], layers);
    expect(report.cycles).toEqual([['bottom', 'middle']]);
    expect(report.upward.map((i) => `${i.from}>${i.to}`)).toEqual(['bottom>middle']);
  });

  it('folders on one line may import each other one way; a folder the block does not name is reported', () => {
    const report = checkLayers([edge('a', 'b')], ['a', 'b', 'c'], [['a', 'b']]);
    expect(report).toMatchObject({ cycles: [], upward: [], undeclared: ['c'], absent: [] });
  });

  it('a file directly in a root is its own node, a file below it belongs to its folder', () => {
    expect(folderOf('plugins/backup/index.ts', ['plugins/backup'])).toBe('plugins/backup/index');
    expect(folderOf('plugins/backup/copies/plan-prune.ts', ['plugins/backup'])).toBe('plugins/backup/copies');
  });

  it('reads the block with comments, top line first', () => {
    expect(declaredLayers('x\n```layers\na b   # top\n\nc\n```\n')).toEqual([['a', 'b'], ['c']]);
  });
});
