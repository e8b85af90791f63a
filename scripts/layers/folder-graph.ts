import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One import between two source files, with the folder nodes they belong to. */
export interface FolderImport {
  readonly fromFile: string;
  readonly toFile: string;
  readonly from: string;
  readonly to: string;
}

/**
 * Go counts imports per package; we count them per folder. A file sitting directly in a root
 * (`src/`, `plugins/backup/`) is a node of its own, because a root folder would otherwise be a
 * node that everything below both imports and is imported by.
 */
export function folderOf(file: string, roots: readonly string[]): string {
  const folder = dirname(file);
  if (roots.includes(folder)) return file.replace(/\.ts$/, '');
  return folder;
}

export function sourceFiles(repo: string, root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(repo, dir))) {
      const path = join(dir, name);
      if (statSync(join(repo, path)).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && !name.endsWith('.spec.ts') && !name.endsWith('.d.ts')) out.push(path);
    }
  };
  walk(root);
  return out.sort();
}

function resolveImport(repo: string, fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(repo, dirname(fromFile), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return relative(repo, candidate);
    } catch {
      // try the next spelling
    }
  }
  throw new Error(`${fromFile}: cannot resolve import '${specifier}'`);
}

/** Every relative import (static, type-only, re-export or dynamic) of the files under `roots`. */
export function folderImports(repo: string, roots: readonly string[]): FolderImport[] {
  const imports: FolderImport[] = [];
  for (const root of roots) {
    for (const file of sourceFiles(repo, root)) {
      const info = ts.preProcessFile(readFileSync(join(repo, file), 'utf8'), true, true);
      for (const ref of info.importedFiles) {
        const toFile = resolveImport(repo, file, ref.fileName);
        if (toFile === undefined || toFile.endsWith('.json')) continue;
        const from = folderOf(file, roots);
        const to = folderOf(toFile, roots);
        if (from !== to) imports.push({ fromFile: file, toFile, from, to });
      }
    }
  }
  return imports;
}

/** Strongly connected components with more than one folder: each is a circle of folder imports. */
export function folderCycles(imports: readonly FolderImport[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const { from, to } of imports) {
    if (!edges.has(from)) edges.set(from, new Set());
    if (!edges.has(to)) edges.set(to, new Set());
    edges.get(from)!.add(to);
  }
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indices.get(next)!));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const node of [...edges.keys()].sort()) if (!indices.has(node)) visit(node);
  return cycles;
}
