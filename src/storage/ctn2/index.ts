export * from './errors';
export * from './format';
export * from './encrypt';
export {
  Ctn2Decoder,
  Ctn2DecryptStream,
  createCtn2DecryptStream,
  decryptCtn2,
  type Ctn2DecryptOptions,
} from './decrypt';
