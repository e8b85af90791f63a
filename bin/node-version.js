// The Node the product needs: zstd in node:zlib and pg-boss 12 came with Node 24. The bin's
// shebang takes the first `node` on the PATH, which may be an older system one; npm scripts and
// npx put the project's own Node 24 (the `node` dependency, kept by npm ci --omit=dev) first.
export const MIN_NODE_MAJOR = 24;

/** A one-line refusal when `version` (process.version) is too old to run cotton-backup, else undefined. */
export function nodeTooOld(version, execPath) {
  const major = Number(/^v(\d+)\./.exec(version)?.[1]);
  if (major >= MIN_NODE_MAJOR) return undefined;
  return (
    `cotton-backup: needs Node ${MIN_NODE_MAJOR} or newer, and ${execPath} is ${version}: ` +
    `run it as \`npx cotton-backup\` (or \`npm start\`), which use the project's Node ${MIN_NODE_MAJOR}, or put Node ${MIN_NODE_MAJOR} first on the PATH`
  );
}
