import type { EventFilter } from '../durable/activity-schema.ts'
import type { Bindings } from '../env.ts'
import { activityLog } from './activity.ts'

export type ExportFormat = 'csv' | 'ndjson'

interface Slice {
  body: ReadableStream<Uint8Array>
  next: number | null
  end: number
}

/**
 * An account's filtered activity, oldest first, as one stream of CSV or NDJSON. The log's
 * object serves it in slices of `sliceSeqs` seqs, each one bounded request (its CPU limit
 * applies per request), continuing after the last seq of the previous slice: nothing is
 * lost or repeated at a boundary, and the export ends at the newest event the log held
 * when it began (docs/decisions/030). The first slice is asked before this returns, so a
 * failure to start is an error here rather than an empty file; a failure later aborts the
 * stream (the download breaks instead of ending short).
 */
export async function exportActivity(env: Bindings, accountId: string, filter: EventFilter, format: ExportFormat, sliceSeqs?: number): Promise<ReadableStream<Uint8Array>> {
  const log = activityLog(env, accountId)
  const slice = async (after?: number, end?: number): Promise<Slice> => {
    const params = new URLSearchParams({ format })
    if (after !== undefined) params.set('after', String(after))
    if (end !== undefined) params.set('end', String(end))
    if (sliceSeqs !== undefined) params.set('seqs', String(sliceSeqs))
    const res = await log.fetch(`https://activity/export?${params}`, { headers: { 'x-trellis-filter': JSON.stringify(filter) } })
    if (res.status !== 200 || !res.body) throw new Error(`activity log export slice answered ${res.status}`)
    const next = res.headers.get('x-trellis-export-next')
    return { body: res.body, next: next === null ? null : Number(next), end: Number(res.headers.get('x-trellis-export-end')) }
  }
  const first = await slice()
  // The runtime's own pipe: slices' bytes go from the object to the client without passing through JavaScript.
  const { readable, writable } = new IdentityTransformStream()
  const pump = async () => {
    let current = first
    for (;;) {
      await current.body.pipeTo(writable, { preventClose: true })
      if (current.next === null) break
      current = await slice(current.next, current.end)
    }
    await writable.close()
  }
  pump().catch(async (error: unknown) => {
    console.error('activity export stopped', error)
    await writable.abort(error).catch(() => {})
  })
  return readable
}
