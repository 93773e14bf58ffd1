import { decodePKIXECDSASignature, decodeSEC1PublicKey, p256, verifyECDSASignature } from '@oslojs/crypto/ecdsa'
import { decodePKCS1RSAPublicKey, RSAPublicKey, sha256ObjectIdentifier, verifyRSASSAPKCS1v15Signature } from '@oslojs/crypto/rsa'
import { sha256 } from '@oslojs/crypto/sha2'
import { decodeBase64, encodeBase64 } from '@oslojs/encoding'
import {
  ClientDataType,
  COSEKeyType,
  coseAlgorithmES256,
  coseAlgorithmRS256,
  coseEllipticCurveP256,
  createAssertionSignatureMessage,
  parseAttestationObject,
  parseAuthenticatorData,
  parseClientDataJSON,
} from '@oslojs/webauthn'

/** Why a WebAuthn answer was refused (never thrown for anything but bad input). */
export class WebAuthnError extends Error {}

/** The algorithms we accept: ES256 (every platform authenticator) and RS256 (Windows Hello). */
export const SUPPORTED_ALGORITHMS = [coseAlgorithmES256, coseAlgorithmRS256] as const

/** What the relying party expects of a ceremony: the portal's hostname and its exact origin. */
export interface RelyingParty {
  id: string
  origin: string
}

/**
 * The challenge a client data JSON carries, after checking its type and
 * origin. The caller then consumes that challenge (single-use, in D1).
 */
export function readClientData(clientDataJSON: Uint8Array, type: 'create' | 'get', rp: RelyingParty): Uint8Array {
  let data
  try {
    data = parseClientDataJSON(clientDataJSON)
  } catch {
    throw new WebAuthnError('The client data is not valid.')
  }
  if (data.type !== (type === 'create' ? ClientDataType.Create : ClientDataType.Get)) throw new WebAuthnError('The client data is for another ceremony.')
  if (data.origin !== rp.origin) throw new WebAuthnError('The passkey answered for another site.')
  if (data.crossOrigin) throw new WebAuthnError('Cross-origin ceremonies are not accepted.')
  return data.challenge
}

/** A verified new credential, ready to store. */
export interface NewCredential {
  credentialId: Uint8Array
  algorithm: number
  /** SEC1 uncompressed (ES256) or PKCS#1 (RS256), base64. */
  publicKey: string
  signCount: number
}

/**
 * Verify a registration (navigator.credentials.create) for `rp`: the
 * authenticator data names our relying party, the person was present and
 * verified (PIN or biometrics), and the key is ES256 or RS256. The
 * attestation statement itself is not checked: we ask for `attestation:
 * 'none'` and decide nothing on the authenticator's make.
 */
export function verifyRegistration(attestationObject: Uint8Array, rp: RelyingParty): NewCredential {
  let parsed
  try {
    parsed = parseAttestationObject(attestationObject)
  } catch {
    throw new WebAuthnError('The attestation object is not valid.')
  }
  const auth = parsed.authenticatorData
  if (!auth.verifyRelyingPartyIdHash(rp.id)) throw new WebAuthnError('The passkey was made for another site.')
  if (!auth.userPresent || !auth.userVerified) throw new WebAuthnError('The authenticator did not verify the person.')
  const credential = auth.credential
  if (!credential) throw new WebAuthnError('The authenticator sent no credential.')
  const key = credential.publicKey
  let algorithm: number
  let publicKey: Uint8Array
  try {
    algorithm = key.algorithm()
    if (algorithm === coseAlgorithmES256) {
      if (key.type() !== COSEKeyType.EC2) throw new WebAuthnError('Unexpected key type.')
      const ec = key.ec2()
      if (ec.curve !== coseEllipticCurveP256) throw new WebAuthnError('Unexpected curve.')
      publicKey = sec1Uncompressed(ec.x, ec.y)
    } else if (algorithm === coseAlgorithmRS256) {
      if (key.type() !== COSEKeyType.RSA) throw new WebAuthnError('Unexpected key type.')
      const rsa = key.rsa()
      publicKey = new RSAPublicKey(rsa.n, rsa.e).encodePKCS1()
    } else throw new WebAuthnError('That kind of passkey is not supported (ES256 or RS256 only).')
  } catch (error) {
    if (error instanceof WebAuthnError) throw error
    throw new WebAuthnError('The public key is not valid.')
  }
  if (credential.id.length === 0 || credential.id.length > 1023) throw new WebAuthnError('The credential id is not valid.')
  return { credentialId: credential.id, algorithm, publicKey: encodeBase64(publicKey), signCount: auth.signatureCounter }
}

/**
 * 0x04 ‖ x ‖ y with each coordinate padded to 32 bytes. (`ECDSAPublicKey.encodeSEC1Uncompressed`
 * drops a coordinate's leading zero bytes, so one key in 128 was stored too short to decode.)
 */
function sec1Uncompressed(x: bigint, y: bigint): Uint8Array {
  const out = new Uint8Array(65)
  out[0] = 4
  for (let i = 0; i < 32; i++) {
    out[32 - i] = Number((x >> BigInt(8 * i)) & 0xffn)
    out[64 - i] = Number((y >> BigInt(8 * i)) & 0xffn)
  }
  return out
}

/** A stored passkey, as an assertion is checked against it. */
export interface StoredKey {
  algorithm: number
  publicKey: string
  signCount: number
}

/**
 * Verify an assertion (navigator.credentials.get) against a stored key:
 * relying party, presence and verification, the signature over
 * authenticatorData ‖ SHA-256(clientDataJSON), and a signature counter that
 * moves forward (a clone would repeat it). Returns the new counter.
 */
export function verifyAssertion(
  input: { authenticatorData: Uint8Array; clientDataJSON: Uint8Array; signature: Uint8Array },
  stored: StoredKey,
  rp: RelyingParty,
): number {
  let auth
  try {
    auth = parseAuthenticatorData(input.authenticatorData)
  } catch {
    throw new WebAuthnError('The authenticator data is not valid.')
  }
  if (!auth.verifyRelyingPartyIdHash(rp.id)) throw new WebAuthnError('The passkey was made for another site.')
  if (!auth.userPresent || !auth.userVerified) throw new WebAuthnError('The authenticator did not verify the person.')
  const hash = sha256(createAssertionSignatureMessage(input.authenticatorData, input.clientDataJSON))
  let valid = false
  try {
    const key = decodeBase64(stored.publicKey)
    if (stored.algorithm === coseAlgorithmES256) {
      valid = verifyECDSASignature(decodeSEC1PublicKey(p256, key), hash, decodePKIXECDSASignature(input.signature))
    } else if (stored.algorithm === coseAlgorithmRS256) {
      valid = verifyRSASSAPKCS1v15Signature(decodePKCS1RSAPublicKey(key), sha256ObjectIdentifier, hash, input.signature)
    }
  } catch {
    valid = false
  }
  if (!valid) throw new WebAuthnError('The passkey signature is not valid.')
  if ((auth.signatureCounter !== 0 || stored.signCount !== 0) && auth.signatureCounter <= stored.signCount) {
    throw new WebAuthnError('The passkey counter went backwards: it may have been copied.')
  }
  return auth.signatureCounter
}
