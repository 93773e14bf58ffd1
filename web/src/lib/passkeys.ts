import { m } from '$lib/paraglide/messages.js'
import { problemMessage } from '$lib/problem'
/**
 * Passkey ceremonies in the browser: ask the API for options, let the browser
 * (and its authenticator) answer, send the answer back. Runs client-side only;
 * the API verifies everything (decision record 014).
 */

const toBytes = (b64url: string) => {
  const b64 = b64url.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((b64url.length + 3) % 4)
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
}
const toB64url = (buffer: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')

/** What a failed ceremony tells the person. */
export class PasskeyProblem extends Error {}

async function post(path: string, body?: unknown) {
  const res = await fetch(`/api/v1${path}`, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  })
  const data = (await res.json().catch(() => ({}))) as Record<string, unknown>
  if (!res.ok) throw new PasskeyProblem(typeof data.detail === 'string' ? problemMessage(data as { title?: string; detail?: string }) : m.common_passkey_unusable())
  return data
}

/** Whether this browser can use passkeys at all. */
export function passkeysSupported(): boolean {
  return typeof window !== 'undefined' && 'PublicKeyCredential' in window && !!navigator.credentials
}

function cancelled(error: unknown): never {
  if (error instanceof PasskeyProblem) throw error
  const name = (error as { name?: string } | null)?.name
  if (name === 'NotAllowedError' || name === 'AbortError') throw new PasskeyProblem(m.common_passkey_cancelled())
  if (name === 'InvalidStateError') throw new PasskeyProblem(m.common_passkey_already())
  throw new PasskeyProblem(m.common_passkey_browser())
}

/**
 * Register a new passkey under `name`: for the signed-in person (`profile`),
 * or as the factor a sign-in step must set up (`step`, which then signs in).
 */
export async function registerPasskey(name: string, mode: 'profile' | 'step' = 'profile', extra: { trust?: boolean } = {}) {
  try {
    const o = (await post(mode === 'profile' ? '/me/passkeys/options' : '/auth/step/enrol/passkey-options')) as {
      challenge: string
      rp: { id: string; name: string }
      user: { id: string; name: string; displayName: string }
      pubKeyCredParams: { type: 'public-key'; alg: number }[]
      timeout: number
      authenticatorSelection: AuthenticatorSelectionCriteria
      excludeCredentials: { type: 'public-key'; id: string }[]
    }
    const credential = (await navigator.credentials.create({
      publicKey: {
        challenge: toBytes(o.challenge),
        rp: o.rp,
        user: { ...o.user, id: toBytes(o.user.id) },
        pubKeyCredParams: o.pubKeyCredParams,
        timeout: o.timeout,
        attestation: 'none',
        authenticatorSelection: o.authenticatorSelection,
        excludeCredentials: o.excludeCredentials.map((c) => ({ type: c.type, id: toBytes(c.id) })),
      },
    })) as PublicKeyCredential | null
    if (!credential) throw new PasskeyProblem(m.common_passkey_none_created())
    const response = credential.response as AuthenticatorAttestationResponse
    const body = { name, clientDataJSON: toB64url(response.clientDataJSON), attestationObject: toB64url(response.attestationObject) }
    return await post(mode === 'profile' ? '/me/passkeys' : '/auth/step/enrol/passkey', mode === 'profile' ? body : { ...body, trust: extra.trust ?? false })
  } catch (error) {
    cancelled(error)
  }
}

/** Sign in with a passkey: as the second factor of an open step (`step`), or alone (`passwordless`). */
export async function signInWithPasskey(mode: 'step' | 'passwordless', extra: { trust?: boolean } = {}) {
  try {
    const o = (await post(mode === 'step' ? '/auth/step/passkey-options' : '/auth/passkey-options')) as {
      challenge: string
      rpId: string
      timeout: number
      allowCredentials: { type: 'public-key'; id: string }[]
    }
    const credential = (await navigator.credentials.get({
      publicKey: {
        challenge: toBytes(o.challenge),
        rpId: o.rpId,
        timeout: o.timeout,
        userVerification: 'required',
        allowCredentials: o.allowCredentials.map((c) => ({ type: c.type, id: toBytes(c.id) })),
      },
    })) as PublicKeyCredential | null
    if (!credential) throw new PasskeyProblem(m.common_passkey_none_chosen())
    const response = credential.response as AuthenticatorAssertionResponse
    const body = {
      credentialId: toB64url(credential.rawId),
      clientDataJSON: toB64url(response.clientDataJSON),
      authenticatorData: toB64url(response.authenticatorData),
      signature: toB64url(response.signature),
      ...(mode === 'step' ? { trust: extra.trust ?? false } : {}),
    }
    return await post(mode === 'step' ? '/auth/step/passkey' : '/auth/passkey', body)
  } catch (error) {
    cancelled(error)
  }
}
