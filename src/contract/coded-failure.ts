/**
 * What a plugin's error family gives the host so that the CLI and the HTTP server answer it the
 * same way everywhere: a stable `code` for programs, the CLI's exit code, the HTTP status.
 */
export interface CodedFailure {
  readonly code: string;
  readonly exitCode: number;
  readonly httpStatus: number;
}

export function isCodedFailure(error: unknown): error is Error & CodedFailure {
  const e = error as Partial<CodedFailure> | null;
  return error instanceof Error && typeof e?.code === 'string' && typeof e.exitCode === 'number' && typeof e.httpStatus === 'number';
}
