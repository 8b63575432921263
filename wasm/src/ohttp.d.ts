// SPDX-License-Identifier: MIT
// Public types of `localrank/ohttp`: Oblivious HTTP (RFC 9458) over Binary HTTP (RFC 9292), both sides.

/** A relay for `sendAggregateReport(url, {relay})`: opaque; made by {@link createOhttpRelay}. */
export interface OhttpRelay {
  readonly url: string;
  /** The gateway's `application/ohttp-keys` it encrypts to (public; `localrank/worker` sends it to its worker). */
  readonly keyConfig: Uint8Array;
  /** POSTs `body` to `target` through the relay; resolves with the gateway's answer to the inner request. */
  post(target: string | URL, request: { headers: Record<string, string>; body: string; signal?: AbortSignal }): Promise<Response>;
}

/**
 * A relay: `url` is the relay resource (another operator than the collector), `keyConfig` the gateway's
 * `application/ohttp-keys` (bytes or base64url). Throws `LocalrankError` `INVALID_ARGUMENT` naming `relay.url` or
 * `relay.keyConfig`.
 */
export declare function createOhttpRelay(options: { url: string | URL; keyConfig: Uint8Array | ArrayBuffer | string }): OhttpRelay;
export declare function isOhttpRelay(value: unknown): value is OhttpRelay;

export interface KeyConfig {
  keyId: number;
  kemId: number;
  publicKey: Uint8Array;
  suites: { kdfId: number; aeadId: number }[];
}
/** Parses `application/ohttp-keys` (RFC 9458 3.2); configurations with a KEM this module does not speak are skipped. */
export declare function parseKeys(bytes: Uint8Array, field?: string): KeyConfig[];
/** One key configuration with its 2-byte length prefix. */
export declare function serializeKeyConfig(config: KeyConfig): Uint8Array;

export interface BinaryRequest {
  method: string; scheme: string; authority: string; path: string;
  headers?: [string, string][]; content?: Uint8Array;
}
export interface BinaryResponse { status: number; headers?: [string, string][]; content?: Uint8Array }
/** Known-length Binary HTTP (RFC 9292). */
export declare function encodeRequest(message: BinaryRequest): Uint8Array;
export declare function decodeRequest(bytes: Uint8Array): Required<BinaryRequest>;
export declare function encodeResponse(message: BinaryResponse): Uint8Array;
export declare function decodeResponse(bytes: Uint8Array): Required<BinaryResponse>;

/** Client side: the encapsulated request and a function that opens the encapsulated response. */
export declare function encapsulateRequest(keys: KeyConfig[], request: Uint8Array, testing?: { ekm?: CryptoKeyPair }): Promise<{
  message: Uint8Array;
  open(response: Uint8Array): Promise<Uint8Array>;
}>;

/** A gateway (X25519, HKDF-SHA256, AES-128-GCM or AES-256-GCM). */
export interface OhttpGateway {
  /** `application/ohttp-keys`. */
  readonly keys: Uint8Array;
  decapsulate(message: Uint8Array): Promise<{ request: Uint8Array; respond(response: Uint8Array, nonce?: Uint8Array): Promise<Uint8Array> }>;
}
export declare function createOhttpGateway(options?: {
  seed?: Uint8Array; keyId?: number; keyPair?: { privateKey: Uint8Array; publicKey: Uint8Array };
}): Promise<OhttpGateway>;

/** A message that does not decode (`status` 400, or 422 for a key the gateway does not hold). */
export declare class OhttpError extends Error {
  status: number;
}

export declare const KEYS_MEDIA_TYPE: 'application/ohttp-keys';
export declare const REQUEST_MEDIA_TYPE: 'message/ohttp-req';
export declare const RESPONSE_MEDIA_TYPE: 'message/ohttp-res';
export declare const GATEWAY_PATH: '/.well-known/ohttp-gateway';
