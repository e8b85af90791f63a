import { relative, resolve, isAbsolute } from 'node:path';
import type { CopySettings, CopyTarget } from './settings';

/** What the copy targets are checked against: the primary storage as the variables name it. */
export interface PrimaryPlace {
  root: string;
  s3?: { bucket?: string; prefix?: string };
}

/**
 * Problems with the copy targets, each naming its target: a copy kept in the primary storage is
 * no copy (the same disk, the same deletion), and an S3 target needs credentials.
 */
export function copyTargetProblems(settings: CopySettings, primary: PrimaryPlace): string[] {
  const problems: string[] = [];
  for (const target of settings.targets) {
    const problem = targetProblem(target, settings, primary);
    if (problem) problems.push(`COTTON_BACKUP_COPIES: target ${target.name}: ${problem}`);
  }
  return problems;
}

function targetProblem(target: CopyTarget, settings: CopySettings, primary: PrimaryPlace): string | undefined {
  if (target.kind === 'folder') {
    if (primary.s3?.bucket === undefined && within(target.path, primary.root)) {
      return `is the primary storage root ${resolve(primary.root)} or inside it: a copy must live somewhere else`;
    }
    return undefined;
  }
  if (!settings.aws.accessKeyId || !settings.aws.secretAccessKey) {
    return 'an S3 target needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  }
  if (primary.s3?.bucket === target.bucket && target.prefix.startsWith(primary.s3.prefix ?? '')) {
    return `is the primary storage's bucket s3://${target.bucket}/${primary.s3.prefix ?? ''} or inside it: a copy must live somewhere else`;
  }
  return undefined;
}

/** True when `path` is `root` or below it. */
export function within(path: string, root: string): boolean {
  const r = relative(resolve(root), resolve(path));
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}
