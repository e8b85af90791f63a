import { sha256Hex } from '../../../src/keys/keys';

/** The stream of a target's copy events (stream ids hold at most 200 characters). */
export function copyStream(target: string): string {
  return target.length <= 190 ? `copy-${target}` : `copy-${sha256Hex(target)}`;
}
