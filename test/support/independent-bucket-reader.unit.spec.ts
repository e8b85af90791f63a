import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { openCtn2 } from './independent-bucket-reader';

const vectors = JSON.parse(readFileSync(new URL('../../../shared/cotton/container-vectors.json', import.meta.url), 'utf8'));

it("reads Cotton's golden CTN2 vector (the reader is right before it judges our objects)", () => {
  const plaintext = openCtn2(Buffer.from(vectors.vectors.cottonCtn2SingleChunk.hex, 'hex'), Buffer.from(vectors.masterKeyHex, 'hex'));
  expect(plaintext.toString('hex')).toBe(vectors.plaintextHex);
});
