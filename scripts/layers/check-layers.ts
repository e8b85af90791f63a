import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { folderCycles, folderImports, sourceFiles, folderOf, type FolderImport } from './folder-graph';

export const ROOTS = ['src', 'plugins/backup'] as const;

/** The layers as docs/ARCHITECTURE.md declares them: a ```layers block, top line first, folders separated by spaces. */
export function declaredLayers(architectureMd: string): string[][] {
  const block = /```layers\n([\s\S]*?)```/.exec(architectureMd);
  if (!block) throw new Error('docs/ARCHITECTURE.md has no ```layers block');
  return block[1]!
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((line) => line.split(/\s+/));
}

export interface LayerReport {
  cycles: string[][];
  /** An import into a folder declared on a higher line than the importer's. */
  upward: FolderImport[];
  /** Folders in the tree that the layers block does not name. */
  undeclared: string[];
  /** Folders the layers block names that hold no source file. */
  absent: string[];
}

export function checkLayers(imports: readonly FolderImport[], folders: readonly string[], layers: readonly string[][]): LayerReport {
  const rank = new Map<string, number>();
  layers.forEach((line, index) => line.forEach((folder) => rank.set(folder, layers.length - index)));
  const upward = imports.filter((i) => rank.has(i.from) && rank.has(i.to) && rank.get(i.to)! > rank.get(i.from)!);
  const present = new Set(folders);
  return {
    cycles: folderCycles(imports),
    upward,
    undeclared: [...present].filter((f) => !rank.has(f)).sort(),
    absent: [...rank.keys()].filter((f) => !present.has(f)).sort(),
  };
}

export function checkRepository(repo: string): LayerReport {
  const layers = declaredLayers(readFileSync(join(repo, 'docs/ARCHITECTURE.md'), 'utf8'));
  const folders = ROOTS.flatMap((root) => sourceFiles(repo, root).map((file) => folderOf(file, ROOTS)));
  return checkLayers(folderImports(repo, ROOTS), folders, layers);
}

export function describeReport(report: LayerReport): string[] {
  return [
    ...report.cycles.map((c) => `circle: ${c.join(' ⇄ ')}`),
    ...report.upward.map((i) => `upward: ${i.fromFile} imports ${i.toFile} (${i.from} is below ${i.to})`),
    ...report.undeclared.map((f) => `not in the layers of docs/ARCHITECTURE.md: ${f}`),
    ...report.absent.map((f) => `named in docs/ARCHITECTURE.md but holds no source: ${f}`),
  ];
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const report = checkRepository(process.cwd());
  const problems = describeReport(report);
  for (const line of problems) console.log(line);
  console.log(`${report.cycles.length} circles, ${report.upward.length} upward imports, ${report.undeclared.length} undeclared folders`);
  process.exitCode = problems.length ? 1 : 0;
}
