import type { Handle } from '@sveltejs/kit'

/** Forward /api/* to the API worker, stamping the client IP so it cannot be spoofed. */
export const handle: Handle = async ({ event, resolve }) => {
  if (event.url.pathname.startsWith('/api/')) {
    const headers = new Headers(event.request.headers)
    headers.set('x-trellis-client-ip', event.getClientAddress())
    return event.platform!.env.API.fetch(new Request(event.request, { headers }))
  }
  const response = await resolve(event)
  response.headers.set('x-content-type-options', 'nosniff')
  response.headers.set('referrer-policy', 'strict-origin-when-cross-origin')
  return response
}
