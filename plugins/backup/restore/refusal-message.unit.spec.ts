import { describe, expect, it } from 'vitest';
import { RestoreAbortedError } from './restore-errors';
import { refusalMessage } from './restore-errors';

describe('refusalMessage (it becomes an admin notification)', () => {
  it('redacts every secret a failing tool quoted', () => {
    const secret = 'the-database-password-123';
    const error = new RestoreAbortedError(new Error(`pg_restore: connection failed for password=${secret}`), [], 'r1', [], [], 'wiped');
    const message = refusalMessage(error, 'cotton', [secret]);
    expect(message).toContain('pg_restore: connection failed for password=[REDACTED]');
    expect(message).not.toContain(secret);
  });
});
