import { error, json } from '@sveltejs/kit'
import { api } from '$lib/server/api'
import type { RequestHandler } from './$types'
import { m } from '$lib/paraglide/messages.js'
import { problemMessage } from '$lib/problem'

/** Keep in step with the API (worker/src/domain/backup-archive.ts MAX_UPLOAD_BYTES). */
const MAX_UPLOAD_BYTES = 4 * 1024 * 1024

/**
 * Check (`?dryRun=true`) or restore an uploaded backup through the API. A
 * refusal is part of the answer (200 with `ok: false` and the API's problem):
 * the page shows it beside the file rather than as a failed request.
 */
export const POST: RequestHandler = async (event) => {
  const bytes = await event.request.arrayBuffer()
  if (bytes.byteLength > MAX_UPLOAD_BYTES)
    return json({ ok: false, status: 413, problem: { detail: m.accounts_backup_too_big(), errors: [{ field: 'body', message: m.accounts_file_larger() }] } })
  const result = await api(event).restoreBackup(event.params.accountId, bytes, event.url.searchParams.get('dryRun') === 'true')
  if (!result.ok && result.status === 401) error(401, m.accounts_sign_in_again())
  if (!result.ok) return json({ ok: false, status: result.status, problem: { detail: problemMessage(result.problem), errors: result.problem.errors ?? [] } })
  return json({ ok: true, status: result.status, summary: result.data.summary })
}
