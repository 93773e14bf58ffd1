/**
 * Labels by key, each drawn from its message when read, so in the language of the page being drawn
 * (a map of drawn messages built at import would keep the language of the first request):
 * `messageMap({ paid: m.billing_status_paid, void: m.billing_status_void })`. Keys keep their order.
 */
export function messageMap<K extends string>(messages: Record<K, () => string>): Record<K, string> {
  const labels = {} as Record<K, string>
  for (const key of Object.keys(messages) as K[]) Object.defineProperty(labels, key, { get: messages[key], enumerable: true })
  return labels
}
