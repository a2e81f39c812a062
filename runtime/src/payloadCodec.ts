// Every payload the complaint workflows exchange in Temporal — inputs, update arguments and results,
// activity arguments and results, query results, summaries — carries what dealers and the call
// center typed (replies, contact and follow-up notes). Temporal keeps it in its histories, which
// anyone with the Temporal UI or CLI can read; so every service and tool encrypts payloads before
// they leave the process (AES-256-GCM, as temporalio/samples-typescript's `encryption` sample) and
// only a holder of the keys reads them: the workers, and a coordinator through intake's codec
// endpoint. Search attributes are not payloads and stay clear (they hold no personal data).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, ValueError, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { payloadKeyring, type Config } from '@complaints/shared';

/** The encoding of an encrypted payload, as every Temporal SDK's encryption sample names it. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** The metadata entry that names the key a payload was encrypted with (rotation: old keys still read). */
export const KEY_ID_METADATA = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const utf8 = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

export class EncryptionCodec implements PayloadCodec {
  constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    private readonly writeKeyId: string,
  ) {
    for (const [id, key] of keys) if (key.length !== 32) throw new ValueError(`payload key ${id} is not 32 bytes`);
    if (!keys.has(writeKeyId)) throw new ValueError(`payload key ${writeKeyId} is not configured`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  /** The whole payload, metadata included (its encoding says what the value was), as iv ‖ ciphertext ‖ tag. */
  private encrypt(payload: Payload): Payload {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, this.keys.get(this.writeKeyId)!, iv, { authTagLength: TAG_BYTES });
    const plain = temporal.api.common.v1.Payload.encodeDelimited(payload).finish();
    return {
      metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(this.writeKeyId) },
      data: Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    // Histories recorded before payloads were encrypted keep their clear payloads: read as they are.
    if (!encoding || utf8(encoding) !== ENCRYPTED_ENCODING) return payload;
    const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!keyIdBytes) throw new ValueError('an encrypted payload names no key id');
    const keyId = utf8(keyIdBytes);
    const key = this.keys.get(keyId);
    if (!key) throw new ValueError(`payload key ${keyId} is not configured (PAYLOAD_KEYS): a key must stay listed while its payloads are read`);
    const data = Buffer.from(payload.data ?? []);
    try {
      const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return temporal.api.common.v1.Payload.decodeDelimited(plain);
    } catch {
      throw new ValueError(`an encrypted payload cannot be decrypted with key ${keyId} (altered, or another key of the same id)`);
    }
  }
}

/** The codec of the configured keys (PAYLOAD_KEYS), writing with PAYLOAD_KEY_ID. */
export function payloadCodec(config: Pick<Config, 'PAYLOAD_KEYS' | 'PAYLOAD_KEY_ID'>): EncryptionCodec {
  const { keys, writeKeyId } = payloadKeyring(config);
  return new EncryptionCodec(new Map(Object.entries(keys).map(([id, key]) => [id, Buffer.from(key, 'base64')])), writeKeyId);
}

/**
 * A new payload key, `{ id, key }` for PAYLOAD_KEYS' `id:key`: 32 random bytes, named by the day it
 * was made, so that a rotation's new key sorts after the old one it replaces for writing.
 */
export function newPayloadKey(now = new Date()): { id: string; key: string } {
  return { id: `k${now.toISOString().slice(0, 10).replaceAll('-', '')}`, key: randomBytes(32).toString('base64') };
}

/** For every Temporal client and worker (`dataConverter`): the default converter, then encryption. */
export function payloadDataConverter(config: Pick<Config, 'PAYLOAD_KEYS' | 'PAYLOAD_KEY_ID'>): DataConverter {
  return { payloadCodecs: [payloadCodec(config)] };
}
