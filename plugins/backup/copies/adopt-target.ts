import type { CopyContext } from './copy-context';
import { openTargetFor } from './open-target';
import { proveTargetIdentity } from './prove-target-identity';
import type { CopyTarget } from '../settings/copies';

/**
 * `copies --adopt <target>`: the operator's word that a target holding objects but no identity
 * marker is a copy (made before markers existed, or moved by hand); it gets its copy marker.
 * Every other check still applies: a target that is, or holds a marker of, the primary is refused.
 */
export async function adoptTarget(ctx: CopyContext, target: CopyTarget): Promise<void> {
  const opened = await openTargetFor(ctx, target);
  try {
    await proveTargetIdentity(ctx, opened, { adopt: true });
  } finally {
    await opened.close();
  }
}
