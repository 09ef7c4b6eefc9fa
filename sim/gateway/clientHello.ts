// Reads the server name (SNI) from a TLS ClientHello without terminating TLS, as Envoy's tls_inspector listener
// filter does for SNI passthrough routing. Input is whatever bytes arrived so far: the answer is `need-more`
// until a whole ClientHello is there (it may span several TLS records), `sni` with the name (or undefined when the
// extension is absent), or `not-tls` for anything that is not a TLS handshake.
// Formats: RFC 8446 §4.1.2 (ClientHello), RFC 6066 §3 (server_name extension), RFC 5246 §6.2.1 (records).

export type ClientHelloResult = { kind: 'need-more' } | { kind: 'not-tls'; reason: string } | { kind: 'sni'; serverName: string | undefined };

/** Envoy's tls_inspector gives up past 64 KiB; a ClientHello is normally < 2 KiB. */
export const MAX_CLIENT_HELLO_BYTES = 64 * 1024;

export function parseClientHello(data: Buffer): ClientHelloResult {
  // Reassemble the handshake bytes from consecutive handshake records.
  const handshake: Buffer[] = [];
  let handshakeLength = 0;
  let offset = 0;
  while (true) {
    if (data.length < offset + 5) return data.length > MAX_CLIENT_HELLO_BYTES ? { kind: 'not-tls', reason: 'ClientHello too large' } : { kind: 'need-more' };
    const contentType = data[offset]!;
    const major = data[offset + 1]!;
    if (contentType !== 22) return { kind: 'not-tls', reason: `record type ${contentType} is not a handshake` };
    if (major !== 3) return { kind: 'not-tls', reason: `record version ${major}.${data[offset + 2]} is not TLS` };
    const recordLength = data.readUInt16BE(offset + 3);
    if (recordLength === 0 || recordLength > 16384 + 2048) return { kind: 'not-tls', reason: `bad record length ${recordLength}` };
    if (data.length < offset + 5 + recordLength) return { kind: 'need-more' };
    handshake.push(data.subarray(offset + 5, offset + 5 + recordLength));
    handshakeLength += recordLength;
    offset += 5 + recordLength;
    const body = Buffer.concat(handshake, handshakeLength);
    if (body.length >= 4) {
      if (body[0] !== 1) return { kind: 'not-tls', reason: `handshake type ${body[0]} is not ClientHello` };
      const helloLength = body.readUIntBE(1, 3);
      if (helloLength > MAX_CLIENT_HELLO_BYTES) return { kind: 'not-tls', reason: 'ClientHello too large' };
      if (body.length >= 4 + helloLength) return parseHelloBody(body.subarray(4, 4 + helloLength));
    }
  }
}

function parseHelloBody(hello: Buffer): ClientHelloResult {
  try {
    let p = 2 + 32; // legacy_version, random
    const sessionIdLength = hello[p]!;
    p += 1 + sessionIdLength;
    const cipherSuitesLength = hello.readUInt16BE(p);
    p += 2 + cipherSuitesLength;
    const compressionLength = hello[p]!;
    p += 1 + compressionLength;
    if (p === hello.length) return { kind: 'sni', serverName: undefined }; // no extensions at all
    const extensionsEnd = p + 2 + hello.readUInt16BE(p);
    p += 2;
    if (extensionsEnd > hello.length) return { kind: 'not-tls', reason: 'truncated extensions' };
    while (p + 4 <= extensionsEnd) {
      const type = hello.readUInt16BE(p);
      const length = hello.readUInt16BE(p + 2);
      const start = p + 4;
      if (start + length > extensionsEnd) return { kind: 'not-tls', reason: 'truncated extension' };
      if (type === 0) return { kind: 'sni', serverName: parseServerNameList(hello.subarray(start, start + length)) };
      p = start + length;
    }
    return { kind: 'sni', serverName: undefined };
  } catch {
    return { kind: 'not-tls', reason: 'malformed ClientHello' };
  }
}

function parseServerNameList(ext: Buffer): string | undefined {
  const listEnd = 2 + ext.readUInt16BE(0);
  let p = 2;
  while (p + 3 <= listEnd && p + 3 <= ext.length) {
    const nameType = ext[p]!;
    const length = ext.readUInt16BE(p + 1);
    const name = ext.subarray(p + 3, p + 3 + length);
    if (nameType === 0) return name.toString('ascii').toLowerCase();
    p += 3 + length;
  }
  return undefined;
}
