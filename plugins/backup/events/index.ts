/** The backup plugin's event store: vocabulary, appends, readers, hash-chain verification. */
export * from './vocabulary';
export * from './types';
export * from './errors';
export { appendToStream, type AppendOptions, type AppendResult } from './append-to-stream';
export { readStream, type ReadStreamOptions } from './read-stream';
export { readAll, type ReadAllOptions, type ReadAllPage } from './read-all';
export { readNewest, type ReadNewestOptions, type ReadNewestPage } from './read-newest';
export { verifyChain, eventHash, type ChainBreak, type ChainBreakReason, type ChainVerification, type VerifyChainOptions } from './verify-chain';
