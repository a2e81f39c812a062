import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA, payloadCodec } from '../src/payloadCodec';

const KEY_OLD = Buffer.alloc(32, 1).toString('base64');
const KEY_NEW = Buffer.alloc(32, 2).toString('base64');
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const reply = defaultPayloadConverter.toPayload({ text: '已更换水泵 — marker-回复-4711' });

describe('the payload codec', () => {
  it('encrypts a payload whole: no plain text, the encrypted encoding and the key id in the metadata', async () => {
    const codec = payloadCodec({ PAYLOAD_KEYS: `k1:${KEY_OLD}` });
    const [encrypted] = await codec.encode([reply]);
    expect(text(encrypted!.metadata![METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
    expect(text(encrypted!.metadata![KEY_ID_METADATA])).toBe('k1');
    expect(Object.keys(encrypted!.metadata!).sort()).toEqual([METADATA_ENCODING_KEY, KEY_ID_METADATA].sort());
    expect(Buffer.from(encrypted!.data!).includes(Buffer.from('marker-回复-4711'))).toBe(false);
    expect(Buffer.from(encrypted!.data!).includes(Buffer.from('json/plain'))).toBe(false);

    const [decoded] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ text: '已更换水泵 — marker-回复-4711' });
  });

  it('never writes the same ciphertext twice for the same value (a fresh nonce each time)', async () => {
    const codec = payloadCodec({ PAYLOAD_KEYS: `k1:${KEY_OLD}` });
    const [a, b] = await codec.encode([reply, reply]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('reads a payload written before encryption as it is (histories recorded before)', async () => {
    const codec = payloadCodec({ PAYLOAD_KEYS: `k1:${KEY_OLD}` });
    const plain: Payload = defaultPayloadConverter.toPayload('an old history’s input');
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('writes with the new key after a rotation and still reads what the old key wrote', async () => {
    const before = payloadCodec({ PAYLOAD_KEYS: `old:${KEY_OLD}` });
    const after = payloadCodec({ PAYLOAD_KEYS: `old:${KEY_OLD},new:${KEY_NEW}`, PAYLOAD_KEY_ID: 'new' });
    const [written] = await before.encode([reply]);
    const [rewritten] = await after.encode([reply]);
    expect(text(rewritten!.metadata![KEY_ID_METADATA])).toBe('new');
    expect(defaultPayloadConverter.fromPayload(...(await after.decode([written!])) as [Payload])).toEqual({ text: '已更换水泵 — marker-回复-4711' });
    expect(defaultPayloadConverter.fromPayload(...(await after.decode([rewritten!])) as [Payload])).toEqual({ text: '已更换水泵 — marker-回复-4711' });
  });

  it('refuses a payload of a key it does not hold, naming the key id, and a payload that was tampered with', async () => {
    const [written] = await payloadCodec({ PAYLOAD_KEYS: `gone:${KEY_OLD}` }).encode([reply]);
    const codec = payloadCodec({ PAYLOAD_KEYS: `k1:${KEY_NEW}` });
    await expect(codec.decode([written!])).rejects.toThrow(/payload key gone is not configured/);

    const [mine] = await codec.encode([reply]);
    const tampered = Buffer.from(mine!.data!);
    tampered[tampered.length - 1]! ^= 1;
    await expect(codec.decode([{ ...mine!, data: tampered }])).rejects.toThrow(/cannot be decrypted with key k1/);
  });
});
