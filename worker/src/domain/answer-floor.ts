/**
 * Answers that must not tell what they did (a reset or sign-up for a known
 * email sends mail, one for an unknown email does not) take at least the same
 * time: start the floor when the request comes in, and `await` it before answering.
 */
export function answerFloor(ms: number): () => Promise<void> {
  const until = Date.now() + ms
  return async () => {
    const left = until - Date.now()
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left))
  }
}
