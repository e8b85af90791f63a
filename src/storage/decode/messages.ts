/** What the main thread and a decode worker send each other (decode-pool.ts, decode-worker.ts). */
export interface DecodeRequest {
  id: number;
  /** Where the object's container bytes are in the shared ring, and how many. */
  containerOffset: number;
  containerLength: number;
  /** Plaintext bytes expected at most. */
  limit: number;
  /** Where in the ring the plaintext goes: room for `limit + 1` bytes (one more, to see more). */
  plaintextOffset: number;
  /** Also write the plaintext to this open file at this position (the restore's dump file). */
  write?: { fd: number; position: number };
  /** Names the object in errors. */
  name: string;
}

export type DecodeReply =
  | { id: number; length: number; sha256: string; oversized: boolean; failure?: undefined }
  | { id: number; failure: DecodeFailure };

/** `decode`: the object did not decode (CTN2 or zstd refused it); `write`: the file write failed. */
export interface DecodeFailure {
  stage: 'decode' | 'write';
  name: string;
  message: string;
  code?: string;
}
